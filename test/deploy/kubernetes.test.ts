/**
 * deploy/kubernetes: every manifest validates against Kubernetes' published schemas (the
 * kubernetes-models package: a class per kind with its JSON Schema's compiled validator),
 * the Kustomize base lists them all, the ConfigMap's configuration passes auditship's own
 * schema, and the DaemonSet agrees with it (probe port = server.listen, mounts = paths).
 */
import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments, parse } from 'yaml'
import { checkConfig } from '../../src/config/validate.js'
import { repoRoot } from '../helpers/pipeline.js'

const DIR = join(repoRoot, 'deploy', 'kubernetes')
type Manifest = { apiVersion: string, kind: string, metadata: { name: string }, [k: string]: any }

function manifests (): Array<{ file: string, doc: Manifest }> {
  const out: Array<{ file: string, doc: Manifest }> = []
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()) {
    for (const d of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0].message}`)
      out.push({ file, doc: d.toJS() as Manifest })
    }
  }
  return out
}

/** The kubernetes-models instance of a manifest (throws for a kind it does not know). */
async function model (doc: Manifest): Promise<{ validate: () => void }> {
  const mod = await import(`kubernetes-models/${doc.apiVersion}`) as Record<string, new (d: unknown) => { validate: () => void }>
  const Kind = mod[doc.kind]
  if (Kind === undefined) throw new Error(`kubernetes-models has no ${doc.apiVersion} ${doc.kind}`)
  return new Kind(doc)
}

t.test('every manifest validates against the Kubernetes schemas', async (t) => {
  const all = manifests()
  t.same(all.map((m) => m.doc.kind).sort(), ['ConfigMap', 'DaemonSet', 'Namespace', 'Secret', 'ServiceAccount'])
  for (const { file, doc } of all) {
    const m = await model(doc)
    t.doesNotThrow(() => m.validate(), `${file}: ${doc.kind} ${doc.metadata.name}`)
  }
})

t.test('the validator refuses a broken DaemonSet (it can fail)', async (t) => {
  const ds = manifests().find((m) => m.doc.kind === 'DaemonSet')!.doc
  const bad = structuredClone(ds)
  bad.spec.template.spec.containers[0].ports[0].containerPort = '9477'
  const m = await model(bad)
  t.throws(() => m.validate(), /containerPort must be integer/)
  const noSelector = structuredClone(ds)
  delete noSelector.spec.selector
  const m2 = await model(noSelector)
  t.throws(() => m2.validate(), /selector/)
})

t.test('the Kustomize base lists every manifest', async (t) => {
  const k = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as { kind: string, resources: string[], images: Array<{ name: string }> }
  t.equal(k.kind, 'Kustomization')
  t.same([...k.resources].sort(), readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort())
  const ds = manifests().find((m) => m.doc.kind === 'DaemonSet')!.doc
  const images = [...ds.spec.template.spec.initContainers, ...ds.spec.template.spec.containers].map((c: { image: string }) => c.image.split(':')[0])
  t.ok(images.every((i: string) => k.images.some((x) => x.name === i)), 'the images are the one the base sets')
})

t.test('the ConfigMap holds a valid configuration that the DaemonSet serves and mounts', async (t) => {
  const all = manifests()
  const cm = all.find((m) => m.doc.kind === 'ConfigMap')!.doc
  const r = checkConfig(parse(cm.data['auditship.yaml']))
  t.ok(r.ok, JSON.stringify(r.ok ? '' : r.errors))
  if (!r.ok) return
  const c = r.config
  const pod = all.find((m) => m.doc.kind === 'DaemonSet')!.doc.spec.template
  const main = pod.spec.containers[0]
  const port = Number(c.server.listen.split(':').pop())
  t.ok(c.server.enabled, 'the server is on (probes, metrics)')
  t.match(c.server.listen, /^0\.0\.0\.0:/, 'listening on the pod address: the kubelet probes it there')
  t.equal(main.ports.find((p: { name: string }) => p.name === 'http').containerPort, port)
  t.equal(main.livenessProbe.httpGet.path, '/healthz')
  t.equal(main.readinessProbe.httpGet.path, '/readyz')
  t.equal(pod.metadata.annotations['prometheus.io/port'], String(port))
  t.same(pod.spec.tolerations, [{ operator: 'Exists' }], 'every node')
  t.same(main.env.find((e: { name: string }) => e.name === 'AUDITSHIP_HOST_NAME').valueFrom, { fieldRef: { fieldPath: 'spec.nodeName' } })
  const vol = (name: string): any => pod.spec.volumes.find((v: { name: string }) => v.name === name)
  const mount = (path: string): any => main.volumeMounts.find((m: { mountPath: string }) => path === m.mountPath || path.startsWith(`${m.mountPath}/`))
  const logMount = mount(c.source.path)
  t.equal(logMount.readOnly, true, 'the audit log is read-only')
  t.same(vol(logMount.name).hostPath, { path: '/var/log/audit', type: 'Directory' })
  t.equal(vol(mount(c.state_dir).name).hostPath?.path, c.state_dir, 'the state dir is on the node: checkpoints survive the pod')
  const es = c.sinks[0] as { auth: { api_key_file: string } }
  const secretVol = vol(mount(es.auth.api_key_file).name)
  const secret = all.find((m) => m.doc.kind === 'Secret')!.doc
  t.equal(secretVol.secret.secretName, secret.metadata.name)
  t.ok(Object.hasOwn(secret.stringData, es.auth.api_key_file.split('/').pop()!), 'the key file is a key of the Secret')
  t.equal(vol('config').configMap.name, cm.metadata.name)
  t.equal(pod.spec.serviceAccountName, all.find((m) => m.doc.kind === 'ServiceAccount')!.doc.metadata.name)
  const mem = (s: string): number => Number(s.replace(/Mi$/, ''))
  t.ok(mem(main.resources.limits.memory) >= 200, 'the limit leaves room above the measured peak (~165 MB at full speed)')
  t.ok(mem(main.resources.requests.memory) >= 100, 'the request covers the idle footprint (~84 MB)')
  t.ok(pod.spec.terminationGracePeriodSeconds * 1000 > c.shutdown.timeout_ms, 'grace period above shutdown.timeout_ms')
})
