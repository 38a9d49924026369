// The plan text the LB update shows: changed tasks with their file diffs, nothing else, bounded.
import { diffText } from '../../src/activities/ansible';

const output = `PLAY [DNS load balancers (nginx stream, UDP and TCP)] **************************

TASK [Gathering Facts] *********************************************************
ok: [lb1]

TASK [proxy : Configure nginx as a DNS load balancer] **************************
ok: [lb1]

TASK [proxy : Point the LB at the nameservers] *********************************
--- before: /etc/nginx/stream.d/nsdeploy-upstream.conf
+++ after: /root/.ansible/tmp/ansible-local-1/tmpx/nsdeploy-upstream.conf.j2
@@ -3,6 +3,6 @@
 # checks it with nsdeploy-nginx-check and reloads nginx.
 upstream nsdeploy_nameservers {
-    server 198.19.128.4:53 max_fails=1 fail_timeout=10s;
+    server 198.19.128.4:53 max_fails=1 fail_timeout=7s;
 }

changed: [lb1]

RUNNING HANDLER [proxy : Reload nginx] *****************************************
changed: [lb1]

PLAY RECAP *********************************************************************
lb1                        : ok=12   changed=2    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0
`;

test('keeps each changed task with its diff, drops ok tasks and the recap', () => {
  expect(diffText(output)).toBe(
    [
      'TASK [proxy : Point the LB at the nameservers]',
      '--- before: /etc/nginx/stream.d/nsdeploy-upstream.conf',
      '+++ after: /root/.ansible/tmp/ansible-local-1/tmpx/nsdeploy-upstream.conf.j2',
      '@@ -3,6 +3,6 @@',
      ' # checks it with nsdeploy-nginx-check and reloads nginx.',
      ' upstream nsdeploy_nameservers {',
      '-    server 198.19.128.4:53 max_fails=1 fail_timeout=10s;',
      '+    server 198.19.128.4:53 max_fails=1 fail_timeout=7s;',
      ' }',
      'changed: [lb1]',
      '',
      'RUNNING HANDLER [proxy : Reload nginx]',
      'changed: [lb1]',
    ].join('\n'),
  );
});

test('is bounded, saying how much was left out', () => {
  const text = diffText(output, 100);
  expect(text.length).toBeLessThan(160);
  expect(text).toMatch(/… \(\d+ more characters in the log\)$/);
});
