import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { z } from 'zod';
import type { PatchIssue } from './patch';

type JsonSchema = Record<string, unknown>;

/**
 * The same schema as JSON Schema, shaped so that ajv gives what zod's parse gives: objects drop
 * fields they do not define (zod strips them: `additionalProperties: false` with ajv's
 * `removeAdditional`), and a union told apart by a constant field names it (`discriminator`: ajv
 * then fills the chosen branch's defaults, as zod does). A strict object would need refusing rather
 * than dropping: none is in the protocol, and one added is refused here rather than misread.
 * Counting and matching as zod does (UTF-16 units, no Unicode flag on patterns) takes ajv's
 * deprecated `unicode: false`, which prints a warning once per compile.
 */
function shape(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(shape);
  if (typeof node !== 'object' || node === null) return;
  const s = node as JsonSchema;
  if (s.type === 'object' && s.properties) {
    if (s.additionalProperties === false)
      throw new Error('a strict object in an agent config: fastParser cannot tell refusing from stripping');
    if (s.additionalProperties === undefined) s.additionalProperties = false;
  }
  if (Array.isArray(s.oneOf)) {
    const branches = s.oneOf as JsonSchema[];
    const tags = Object.keys((branches[0]?.properties as JsonSchema | undefined) ?? {}).filter((k) =>
      branches.every((b) => (b.properties as Record<string, JsonSchema> | undefined)?.[k]?.const !== undefined),
    );
    // ajv's discriminator passes what is not an object: the type says it.
    if (tags.length) Object.assign(s, { type: 'object', discriminator: { propertyName: tags[0] } });
  }
  for (const v of Object.values(s)) shape(v);
}

/**
 * Parses an agent config at the speed the reconciler waits for: zod takes ~70–100 ms on a router
 * with 10,000 EIPs and 10,000 port forwards, a validator compiled from the same schema ~5–10 ms
 * (issue 12: the agent's whole PUT against raw `nft -f`). The zod schema stays the one definition:
 * it is turned into JSON Schema by zod (which throws on what it cannot express), and ajv compiles
 * that; the checks across parts, which JSON Schema cannot express, run as `issues` — the same
 * function the schema's refinement runs. A config the compiled validator refuses is parsed by zod,
 * so a refusal's issues are zod's, word for word; `fast-parse.test.ts` holds the two to the same
 * verdict and the same value on every field's good and bad values.
 */
export function fastParser<C>(schema: z.ZodType<C>, issues: (cfg: C) => PatchIssue[]) {
  // Compiled now (~80 ms), not on the first config: an agent compiles it as it starts.
  const js = z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
  shape(js);
  const ajv = new Ajv2020({
    useDefaults: true,
    removeAdditional: true,
    discriminator: true,
    // As zod counts and matches: UTF-16 units, no Unicode flag on patterns.
    unicode: false,
    unicodeRegExp: false,
    validateFormats: false,
    strict: false,
    logger: false,
  });
  const validate: ValidateFunction = ajv.compile(js);
  return (json: unknown): z.ZodSafeParseResult<C> => {
    if (validate(json) && issues(json as C).length === 0) return { success: true, data: json as C };
    return schema.safeParse(json);
  };
}
