// The network a sign-in comes from, as the throttle counts it. An IPv4 address is its own network;
// IPv6 counts per /64, the block one subscriber gets (a household, like one NATed IPv4 address),
// so rotating through the addresses of one's own /64 does not buy fresh attempts.
import { isIP } from "node:net";

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** "1.2.3.4" for 1.2.3.4 and ::ffff:1.2.3.4; "2001:db8:0:1::/64" for 2001:db8::1:0:0:0:5; anything else unchanged. */
export function clientNetwork(address: string): string {
  const mapped = IPV4_MAPPED.exec(address);
  if (mapped && isIP(mapped[1]!) === 4) return mapped[1]!;
  const withoutZone = address.split("%")[0]!;
  if (isIP(withoutZone) !== 6) return address;
  return `${ipv6Groups(withoutZone).slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, in lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const [head, tail] = address.split("::");
  // An embedded IPv4 part ("::ffff:1.2.3.4") fills the last two groups; only the first four matter here.
  const groups = (part: string | undefined) =>
    part ? part.split(":").flatMap((group) => (group.includes(".") ? ["0", "0"] : [group])) : [];
  const first = groups(head);
  const last = groups(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - first.length - last.length).fill("0");
  return [...first, ...zeros, ...last].map((group) => parseInt(group, 16).toString(16));
}
