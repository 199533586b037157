/** Outbound requests to destinations a caller names: the address policy, the client, signatures. */
export { embeddedIpv4, type OutboundAllow, OutboundPolicy, parseOutboundAllow } from './address-policy.js';
export { newCallbackSecret, SIGNATURE_HEADER, signCallback, verifyCallback } from './callback-signature.js';
export { OutboundClient, type OutboundResponse } from './outbound-client.js';
export { redactUrl } from './redact-url.js';
