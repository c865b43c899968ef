/**
 * The sets a fresh simulator starts with: realistic names, unit tests and metrics with
 * boolean, numerical and categorical criteria, and a mix of outcomes so a demo shows
 * passes, failures and an error.
 */
import type { NewCriterion, NewSet } from "./catalog.js";

const resolved: NewCriterion = {
  name: "Issue resolved",
  metric: "Task completion",
  criterion: { type: "boolean", expected_value: true },
};
const satisfied: NewCriterion = {
  name: "Customer satisfaction at least 4",
  metric: "Customer satisfaction score",
  criterion: { type: "numerical", verb: ">=", threshold: 4 },
};
const briefEnough: NewCriterion = {
  name: "Resolved within 8 turns",
  metric: "Turns to resolution",
  criterion: { type: "numerical", verb: "<=", threshold: 8 },
};
const friendlyTone: NewCriterion = {
  name: "Tone is friendly or neutral",
  metric: "Agent tone",
  criterion: { type: "categorical", expected_values: ["friendly", "neutral"] },
};
const followsPolicy: NewCriterion = {
  name: "Follows refund policy",
  metric: "Policy adherence",
  criterion: { type: "boolean", expected_value: true },
};
const noPii: NewCriterion = {
  name: "Never reads back card numbers",
  metric: "PII leakage",
  criterion: { type: "boolean", expected_value: false },
};

export const SEED_SETS: readonly NewSet[] = [
  {
    name: "Checkout flows",
    description: "Customers buying, changing and abandoning carts.",
    tags: [{ key: "team", value: "commerce" }],
    unitTests: [
      { name: "Guest checkout with a saved card", criteria: [resolved, noPii, satisfied] },
      { name: "Applies an expired coupon", criteria: [resolved, friendlyTone] },
      { name: "Changes shipping address mid-order", runCount: 3, criteria: [resolved, briefEnough] },
    ],
  },
  {
    name: "Billing disputes",
    description: "Charges a customer does not recognise, double charges, chargebacks.",
    // Routing and owners by tag (docs/routing.md): the demo's run posts in #payments-alerts too and
    // mentions the set's on-call group, and the owner of the unit test that fails, next to it.
    tags: [
      { key: "team", value: "payments" },
      { key: "slack-channel", value: "#payments-alerts" },
      { key: "owner", value: "@payments-oncall" },
    ],
    unitTests: [
      { name: "Double charge on renewal", criteria: [resolved, followsPolicy, satisfied], tags: [{ key: "owner", value: "@dana" }] },
      { name: "Unrecognised charge from a family member", criteria: [resolved, noPii, friendlyTone] },
      { name: "Chargeback threat", criteria: [followsPolicy, friendlyTone] },
    ],
    outcome: {
      failing: [
        { unitTest: "Double charge on renewal", metric: "Customer satisfaction score" },
        { unitTest: "Chargeback threat", metric: "Agent tone", runs: [1] },
      ],
    },
  },
  {
    name: "Onboarding happy path",
    description: "A new customer sets up an account without surprises.",
    tags: [{ key: "team", value: "growth" }],
    unitTests: [
      { name: "Creates an account and verifies email", criteria: [resolved, briefEnough] },
      { name: "Connects a bank account", criteria: [resolved, noPii] },
    ],
  },
  {
    name: "Refund edge cases",
    description: "Partial refunds, refunds past the window, refunds to closed cards.",
    tags: [{ key: "team", value: "payments" }],
    unitTests: [
      { name: "Refund after the 30-day window", criteria: [followsPolicy, friendlyTone] },
      { name: "Refund to a closed card", criteria: [resolved, followsPolicy] },
      { name: "Partial refund of a bundle", runCount: 1, criteria: [resolved, satisfied] },
      { name: "Refund in a foreign currency", runCount: 1, criteria: [resolved, briefEnough] },
    ],
    outcome: {
      errors: [{ unitTest: "Refund to a closed card", message: "Simulation aborted: persona service timed out after 3 retries" }],
    },
  },
];
