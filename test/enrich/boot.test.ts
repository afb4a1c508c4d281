/** Boot detection per node (src/enrich/boot.ts). */
import t from 'tap'
import { BootTracker } from '../../src/enrich/boot.js'

t.test('a reboot soon after a reboot: after DAEMON_START, a drop of half of a small counter is a new boot', async (t) => {
  const b = new BootTracker()
  t.equal(b.observe('a', 90000, 1000, true, false), 0)
  b.observe('a', 4000, 1001, false, true) // DAEMON_START (auditd's own serial)
  t.equal(b.observe('a', 12, 1060, true, false), 1, 'the counter restarted')
  for (let s = 13; s < 70; s++) b.observe('a', s, 1061, true, false)
  b.observe('a', 4001, 1100, false, true)
  t.equal(b.observe('a', 25, 1160, true, false), 2, 'a boot that logged only 70 records, then a reboot: 25 < 70 / 2')
})

t.test('an auditd restart keeps the boot, even with records reordered around it', async (t) => {
  const b = new BootTracker()
  for (let s = 1; s < 40; s++) b.observe('a', s, 1000, true, false)
  b.observe('a', 4000, 1001, false, true)
  t.equal(b.observe('a', 36, 1002, true, false), 0, 'a drop of 3 right after DAEMON_START is reordering')
  t.equal(b.observe('a', 41, 1002, true, false), 0)
})

t.test('boots are per node: one host rebooting does not touch another', async (t) => {
  const b = new BootTracker()
  b.observe('a', 50000, 1000, true, false)
  b.observe('b', 70000, 1003, true, false)
  b.observe('a', 4000, 1010, false, true)
  t.equal(b.observe('a', 5, 1070, true, false), 1)
  t.equal(b.observe('b', 70001, 1073, true, false), 0, 'b keeps its boot')
  t.equal(b.observe('a', 6, 1071, true, false), 1)
})
