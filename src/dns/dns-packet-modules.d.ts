// Type declarations for dns-packet's own lookup tables, which @types/dns-packet leaves out.
declare module 'dns-packet/types' {
  export function toString(type: number): string;
  export function toType(name: string): number;
}
declare module 'dns-packet/rcodes' {
  export function toString(rcode: number): string;
  export function toRcode(name: string): number;
}
declare module 'dns-packet/classes' {
  export function toString(klass: number): string;
  export function toClass(name: string): number;
}
