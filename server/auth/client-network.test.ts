import assert from "node:assert/strict";
import { test } from "node:test";
import { clientNetwork } from "./client-network";

test("IPv4 is its own network, also when mapped into IPv6", () => {
  assert.equal(clientNetwork("203.0.113.7"), "203.0.113.7");
  assert.equal(clientNetwork("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(clientNetwork("::FFFF:203.0.113.7"), "203.0.113.7");
});

test("IPv6 counts per /64, whatever its spelling", () => {
  const network = "2001:db8:0:1::/64";
  for (const address of [
    "2001:db8:0:1::5",
    "2001:0DB8:0000:0001:ffff:0:0:9",
    "2001:db8::1:1:2:3:4",
    "2001:db8:0:1::ffff:1.2.3.4",
  ]) {
    assert.equal(clientNetwork(address), network, address);
  }
  assert.equal(clientNetwork("2001:db8:0:2::5"), "2001:db8:0:2::/64", "the next /64 is another network");
  assert.equal(clientNetwork("::1"), "0:0:0:0::/64");
  assert.equal(clientNetwork("fe80::1%eth0"), "fe80:0:0:0::/64");
});

test("anything that is not an address is kept as it is", () => {
  assert.equal(clientNetwork("unknown"), "unknown");
  assert.equal(clientNetwork("::ffff:999.1.1.1"), "::ffff:999.1.1.1");
});
