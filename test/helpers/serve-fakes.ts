/**
 * Start a fake Elasticsearch and a fake Splunk HEC on loopback and print their URLs (for trying
 * the daemon by hand and for the benchmark): node --import=<tap's TS loader> test/helpers/serve-fakes.ts
 */
import { startFakeEs } from './fake-es.js'
import { startFakeHec } from './fake-hec.js'

const es = await startFakeEs({ recordBodies: false })
const hec = await startFakeHec({ tokens: [{ token: process.env.HEC_TOKEN ?? '0e3c0f38-5b1a-4c55-9a38-2b8f6f3c9d11', useACK: process.env.HEC_ACK === '1' }], recordBodies: false })
process.stdout.write(JSON.stringify({ es: es.url, hec: hec.url }) + '\n')
setInterval(() => process.stderr.write(`es docs ${es.docCount()} requests ${es.requests.length}; hec events ${hec.events.length} requests ${hec.requests.length}\n`), 2000)
