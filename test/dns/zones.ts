// Zone texts for the DNS tests, templated per origin so one named can serve a good zone and
// several broken variants side by side.

const hex64 = '0123456789abcdef'.repeat(4);

/** The reference zone: one of each common type, a wildcard, a delegation with glue. */
export function goodZone(origin: string, edit: (text: string) => string = (t) => t): string {
  const text = `$ORIGIN ${origin}.
$TTL 3600
@               IN SOA  ns1 hostmaster (
                        2026112301 ; serial
                        7200 900 1209600 300 )
                IN NS   ns1
                IN NS   ns2
ns1             IN A    198.18.1.10
ns2             IN A    198.18.1.11
ns2             IN AAAA 2001:DB8:0:0::11
@               IN A    198.18.2.80
@               IN AAAA 2001:db8::ffff:0:0:80
www             IN CNAME @
@               IN MX   10 mail
@               IN MX   20 Mail2.Example.NET.
mail            IN A    198.18.2.25
@               IN TXT  "v=spf1 mx ip4:198.18.2.0/24 -all"
_dmarc          IN TXT  "v=DMARC1; p=reject; rua=mailto:dmarc@${origin}; ruf=mailto:forensic@${origin}"
quoted          IN TXT  "say \\"hello\\"; then (leave) \\\\ now" "second string" "caf\\195\\169"
_sip._tcp       IN SRV  10 60 5060 sip
sip       300   IN A    198.18.2.60
@               IN CAA  0 issue "letsencrypt.org"
@               IN CAA  0 iodef "mailto:security@${origin}"
*.wild          IN A    198.18.2.99
*.wild          IN TXT  "wildcard answer"
ssh             IN SSHFP 4 2 ${hex64}
_443._tcp.www2  IN TLSA 3 1 1 ${hex64.toUpperCase()}
rev             IN PTR  host.example.net.
enum            IN NAPTR 100 10 "u" "E2U+sip" "!^.*$!sip:info@example.net!" .
old             IN DNAME new.example.net.
box             IN HINFO "PC" "Linux 6"
sub             IN NS   ns.sub
sub             IN DS   12345 13 2 ${hex64}
ns.sub          IN A    198.18.3.53
`;
  return edit(text);
}

/** Replace one line's content; fails loudly if the pattern does not occur (a test bug). */
export function replaceLine(text: string, from: RegExp, to: string): string {
  if (!from.test(text)) throw new Error(`pattern ${from} not in zone text`);
  return text.replace(from, to);
}

/** A small zone for the forwarding resolver test (no delegation: a resolver would chase it). */
export function smallZone(origin: string): string {
  return `$TTL 3600
@ IN SOA ns1.${origin}. hostmaster.${origin}. 1 7200 900 1209600 300
  IN NS ns1
ns1 IN A 198.18.1.10
@ IN A 198.18.2.80
@ IN MX 10 mail
mail IN A 198.18.2.25
@ IN TXT "v=spf1 mx -all"
`;
}

/** A TXT RRset of several KB: complete only over TCP with a 1232-byte UDP payload. */
export function bigZone(origin: string): string {
  const strings = Array.from({ length: 24 }, (_, i) => `"chunk ${String(i).padStart(2, '0')} ${'x'.repeat(180)}"`);
  return `$TTL 600
@ IN SOA ns1.${origin}. hostmaster.${origin}. 7 7200 900 1209600 300
  IN NS ns1
ns1 IN A 198.18.1.10
big IN TXT ${strings.slice(0, 12).join(' ')}
big IN TXT ${strings.slice(12).join(' ')}
small IN TXT "fits in UDP"
`;
}

/** A generated zone with `hosts` A records and a TXT every tenth host. */
export function generatedZone(origin: string, hosts: number): string {
  const lines = [
    `$TTL 300`,
    `@ IN SOA ns1.${origin}. hostmaster.${origin}. 99 7200 900 1209600 300`,
    `  IN NS ns1`,
    `ns1 IN A 198.18.1.10`,
  ];
  for (let i = 0; i < hosts; i++) {
    lines.push(`h${i} IN A 198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    if (i % 10 === 0) lines.push(`h${i} IN TXT "host ${i}"`);
  }
  return lines.join('\n') + '\n';
}
