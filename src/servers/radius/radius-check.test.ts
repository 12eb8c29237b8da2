import * as assert from "node:assert/strict";
import { test } from "node:test";
import { parseMac } from "../../core/identifiers/mac.js";
import { deviceOfRequest, subscriberOfRequest } from "./radius-check.js";

const device = parseMac("02-00-5E-10-00-07");

test("the User-Name is the subscriber unless it is the device's own MAC (MAC authentication)", () => {
  // MAC authentication sends the MAC as the user name, in whatever notation the NAS uses.
  for (const mac of ["02-00-5E-10-00-07", "02:00:5e:10:00:07", "02005e100007", "0200.5e10.0007"]) {
    assert.equal(subscriberOfRequest(mac, device), undefined, mac);
  }
  assert.equal(subscriberOfRequest(undefined, device), undefined);
  assert.equal(subscriberOfRequest("  ", device), undefined);
  const eap = "1001010000000001@wlan.mnc001.mcc001.3gppnetwork.org";
  assert.equal(subscriberOfRequest(eap, device), eap);
  assert.equal(subscriberOfRequest("alice@Example.ORG", device), "alice@Example.ORG");
  // Another device's MAC as user name is not this device: kept, it will not match a pairing.
  assert.equal(subscriberOfRequest("02-00-5E-10-00-08", device), "02-00-5E-10-00-08");
});

// Which statuses RADIUS lets on (GREYLISTED passes) is the answer's `admitted`, in core/check.
test("the device is the Calling-Station-Id, else a MAC User-Name", () => {
  assert.equal(deviceOfRequest("02-00-5E-10-00-07", "alice@example.org")?.key, device.key);
  assert.equal(deviceOfRequest(undefined, "02:00:5e:10:00:07")?.key, device.key);
  assert.equal(deviceOfRequest(undefined, "alice@example.org"), undefined);
});
