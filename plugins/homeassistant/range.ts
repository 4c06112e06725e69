// Home Assistant number ranges read from the contract (core/protocol's TypeBox schemas): the HA
// entity offers exactly what the action accepts, and a bound changed there changes here.
import type { TSchema } from '@sinclair/typebox';

export interface NumberRange {
  readonly min: number;
  readonly max: number;
  readonly step: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * `min`, `max` and `step` of an HA number entity for a numeric request field. HA's range is
 * inclusive, so an exclusive bound becomes the nearest step inside it. A field without both bounds
 * throws at load: HA needs a range, and guessing one would offer values Loop refuses.
 */
export function rangeOf(schema: TSchema, step: number, what: string): NumberRange {
  const exclusiveMin = num(schema.exclusiveMinimum);
  const exclusiveMax = num(schema.exclusiveMaximum);
  const min = num(schema.minimum) ?? (exclusiveMin !== undefined ? exclusiveMin + step : undefined);
  const max = num(schema.maximum) ?? (exclusiveMax !== undefined ? exclusiveMax - step : undefined);
  if (min === undefined || max === undefined || min > max)
    throw new Error(`homeassistant: ${what} has no bounded range in the contract (minimum/maximum)`);
  return { min, max, step };
}
