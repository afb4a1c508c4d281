import t from 'tap'
import { hostname } from 'node:os'
import { hostName } from '../../../src/ship/sinks/host.js'

t.test('AUDITSHIP_HOST_NAME names the host (a pod gets its node name), else the system host name', async (t) => {
  t.equal(hostName({ AUDITSHIP_HOST_NAME: 'node-7.example.internal' }), 'node-7.example.internal')
  t.equal(hostName({ AUDITSHIP_HOST_NAME: ' node-7 \n' }), 'node-7', 'trimmed')
  t.equal(hostName({ AUDITSHIP_HOST_NAME: '' }), hostname(), 'empty: the system host name')
  t.equal(hostName({}), hostname())
})
