/**
 * DAARION CrossGuard policy pack. Run with:
 *   pulumi preview --stack node1 --policy-pack policy [--policy-pack-config policy/config/node1.json]
 * Rules live in rules/ (pure), factories in policies.ts.
 */
import { PolicyPack } from "@pulumi/policy";
import { daarionPolicies } from "./policies";

new PolicyPack("daarion", {
    description: "DAARION platform guardrails: network exposure, container hardening, protected data, topology invariants.",
    policies: daarionPolicies(),
});
