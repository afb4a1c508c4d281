import t from 'tap'
import { parseListen } from '../../src/config/listen.js'

t.test('server.listen: host:port with port 1-65535', async (t) => {
  t.same(parseListen('127.0.0.1:9477'), { host: '127.0.0.1', port: 9477 })
  t.same(parseListen('[::1]:9477'), { host: '::1', port: 9477 })
  t.same(parseListen('0.0.0.0:1'), { host: '0.0.0.0', port: 1 })
  t.same(parseListen('metrics.example.com:65535'), { host: 'metrics.example.com', port: 65535 })
  t.equal(parseListen('localhost:0'), 'port must be 1-65535 (got "0")')
  t.equal(parseListen('localhost:65536'), 'port must be 1-65535 (got "65536")')
  t.equal(parseListen('localhost:'), 'port must be 1-65535 (got "")')
  t.equal(parseListen(':abc'), '":abc" has no host: use host:port, e.g. 127.0.0.1:9477 (0.0.0.0 for every interface)')
  t.equal(parseListen('localhost'), '"localhost" is not host:port, e.g. 127.0.0.1:9477')
  t.equal(parseListen('::1:9477'), '"::1:9477": an IPv6 address goes in brackets, e.g. [::1]:9477')
  t.equal(parseListen('[::1]9477'), '"[::1]9477" is not [ipv6]:port, e.g. [::1]:9477')
  t.equal(parseListen('[127.0.0.1]:80'), '"127.0.0.1" is not an IPv6 address')
  t.equal(parseListen('bad_host!:80'), '"bad_host!" is not a host name or IPv4 address')
})
