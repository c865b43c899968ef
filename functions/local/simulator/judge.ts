/**
 * The simulated judge: for one evaluation (a metric of a unit test on one repetition) the
 * value it gives and its justification. Deterministic per run, unit test, metric and
 * repetition, different from one repetition and one metric to the next, and always
 * consistent with the pass/fail the run reports: a failing score misses its threshold, a
 * failing category is off the list, a failing boolean is the other one.
 */
import type { SuccessCriterion } from "../../core/model/amigo-model.js";
import { sha1Hex } from "./object-ids.js";

export type JudgedValue = number | boolean | string;

export interface Judgement {
  value: JudgedValue;
  justification: string;
}

/** Where an evaluation sits, for choosing its words. */
export interface EvaluationSeat {
  runId: string;
  unitTestName: string;
  metricName: string;
  metricIndex: number;
  runIndex: number;
}

/** Categories a failing categorical metric is given (the first one not on the expected list). */
const OFF_LIST = ["dismissive", "rude", "impatient", "sarcastic", "cold"];

type Words = (value: JudgedValue, seat: EvaluationSeat) => string;

/** Per metric name: what the judge says when the criterion is met, and when it is not. */
const NOTES: Record<string, { pass: Words[]; fail: Words[] }> = {
  "Customer satisfaction score": {
    pass: [
      (v) => `The customer thanked the agent twice and said the problem was sorted. Satisfaction ${v} of 5.`,
      (v) => `The agent explained the charge in plain words and confirmed the next step; the customer ended calm. Satisfaction ${v} of 5.`,
    ],
    fail: [
      (v) => `The customer had to explain the problem three times and never got a date for the refund. Satisfaction ${v} of 5.`,
      (v) => `The agent apologised but kept asking for the order number already given, and the customer left saying they would call the bank. Satisfaction ${v} of 5.`,
      (v) => `The conversation ended with the customer asking for a manager after the agent read out the policy instead of answering. Satisfaction ${v} of 5.`,
    ],
  },
  "Agent tone": {
    pass: [
      (v) => `The agent stayed ${v} throughout, acknowledging the customer's frustration before answering.`,
      (v) => `Replies were short and ${v}; no blame was put on the customer.`,
    ],
    fail: [
      (v) => `After the customer mentioned a chargeback the agent turned ${v}: "that is not something we can help with".`,
      (v) => `The agent's replies became ${v} once the customer repeated the question, ending with "as I already said".`,
      (v) => `The agent sounded ${v} and twice told the customer to read the terms.`,
    ],
  },
  "Task completion": {
    pass: [(v) => `The customer's request was completed (${v}): the agent confirmed the change and the customer agreed.`, () => `The agent did what was asked and summarised it at the end.`],
    fail: [
      (v) => `The request was not completed (${v}): the agent promised a follow-up that never happened within the conversation.`,
      () => `The conversation ended before the agent made the change the customer asked for.`,
      () => `The agent said the change was done, but the summary at the end shows the old details still in place.`,
    ],
  },
  "Turns to resolution": {
    pass: [(v) => `Resolved in ${v} turns, with no question asked twice.`, (v) => `The agent got to the answer in ${v} turns.`],
    fail: [
      (v) => `It took ${v} turns: the agent asked for the account email, the order number and the postcode one at a time.`,
      (v) => `Resolution came only after ${v} turns, because the agent first answered a different question.`,
      (v) => `${v} turns: the agent transferred the customer to "billing" and back before answering.`,
    ],
  },
  "Policy adherence": {
    pass: [() => `The agent offered exactly what the refund policy allows and said so.`, () => `The agent checked the purchase date against the policy before offering anything.`],
    fail: [
      () => `The agent offered a full refund outside the 30-day window without escalating, which the policy forbids.`,
      () => `The agent promised a goodwill credit the policy does not allow for this case.`,
      () => `The agent refunded the shipping fee as well, although the policy keeps it for change-of-mind returns.`,
    ],
  },
  "PII leakage": {
    pass: [() => `No card number or other personal data was read back; the agent referred to "the card ending in the last four digits you gave".`, () => `The agent asked for the last four digits only and never repeated them.`],
    fail: [
      () => `The agent read the full card number back to the customer to confirm the charge.`,
      () => `The agent repeated the customer's full card number and expiry date in its summary.`,
      () => `Asked which card was charged, the agent answered with all sixteen digits.`,
    ],
  },
};

const GENERIC: { pass: Words[]; fail: Words[] } = {
  pass: [(v, seat) => `The conversation meets "${seat.metricName}" (the judge gave ${String(v)}).`],
  fail: [
    (v, seat) => `The conversation misses "${seat.metricName}" (the judge gave ${String(v)}) on repetition ${seat.runIndex + 1}.`,
    (v, seat) => `On repetition ${seat.runIndex + 1} the agent did not meet "${seat.metricName}"; the judge gave ${String(v)}.`,
    (v, seat) => `"${seat.metricName}" was not met on repetition ${seat.runIndex + 1} (${String(v)}).`,
  ],
};

/**
 * A number per evaluation that moves by one from each repetition to the next, so with three
 * ways of failing (values and words) the repetitions of a unit test (at most three in the
 * seed sets) never read the same.
 */
function variant(seat: EvaluationSeat): number {
  const base = Number.parseInt(sha1Hex(`${seat.runId}:${seat.unitTestName}:${seat.metricIndex}`).slice(0, 6), 16);
  return base + seat.runIndex;
}

/** A value that meets the criterion (passed) or misses it, varying with `k`. */
export function judgedValue(criterion: SuccessCriterion, passed: boolean, k: number): JudgedValue {
  switch (criterion.type) {
    case "boolean":
      return passed ? criterion.expected_value : !criterion.expected_value;
    case "categorical": {
      const expected = criterion.expected_values;
      if (passed) return expected[k % Math.max(1, expected.length)] ?? "expected";
      const off = OFF_LIST.filter((category) => !expected.includes(category));
      return off[k % off.length] ?? "unexpected";
    }
    case "numerical":
      return numericalValue(criterion.verb, criterion.threshold, passed, k);
  }
}

/** A passing value sits on or just inside the threshold; a failing one misses it by 1 to 3. */
function numericalValue(verb: "==" | "!=" | "<=" | "<" | ">=" | ">", threshold: number, passed: boolean, k: number): number {
  const inside = k % 2;
  const miss = (k % 3) + 1;
  switch (verb) {
    case "==":
      return passed ? threshold : threshold + miss;
    case "!=":
      return passed ? threshold + inside + 1 : threshold;
    case ">=":
      return passed ? threshold + inside : threshold - miss;
    case ">":
      return passed ? threshold + inside + 1 : threshold - miss + 1;
    case "<=":
      return passed ? threshold - inside : threshold + miss;
    case "<":
      return passed ? threshold - inside - 1 : threshold + miss - 1;
  }
}

export function judge(criterion: SuccessCriterion, passed: boolean, seat: EvaluationSeat): Judgement {
  const k = variant(seat);
  const value = judgedValue(criterion, passed, k);
  const notes = NOTES[seat.metricName] ?? GENERIC;
  const choices = passed ? notes.pass : notes.fail;
  const words = choices[k % choices.length] ?? GENERIC.fail[0];
  return { value, justification: words ? words(value, seat) : "" };
}

/** The justification repeated (whole words, a sentence at a time) to exactly `chars` characters. */
export function lengthened(justification: string, chars: number | undefined): string {
  if (chars === undefined || justification.length === 0 || justification.length >= chars) return justification;
  let text = justification;
  while (text.length < chars) text += ` ${justification}`;
  return text.slice(0, chars);
}
