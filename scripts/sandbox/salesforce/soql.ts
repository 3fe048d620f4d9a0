/**
 * The SOQL subset the sandbox answers: `SELECT f1, f2 FROM Obj [WHERE cond [AND cond]*] [LIMIT n]`,
 * with `Field = 'value'`, `Field = null` and `Field IN ('a', 'b')` conditions. A tokenizer and a small
 * parser, so a query outside the subset is refused with Salesforce's MALFORMED_QUERY, never guessed at.
 */
export interface SoqlQuery {
  fields: string[];
  object: string;
  where: Array<{ field: string; op: '=' | 'IN'; values: Array<string | null> }>;
  limit?: number;
}

type Token = { kind: 'word' | 'string' | 'punct'; value: string };

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "'") {
      let v = '';
      i++;
      while (i < q.length && q[i] !== "'") {
        if (q[i] === '\\' && i + 1 < q.length) i++;
        v += q[i++];
      }
      if (q[i] !== "'") throw new SoqlError('unterminated string');
      i++;
      out.push({ kind: 'string', value: v });
    } else if (/[(),=*]/.test(c)) out.push({ kind: 'punct', value: q[i++]! });
    else {
      const m = /^[A-Za-z0-9_.]+/.exec(q.slice(i));
      if (!m) throw new SoqlError(`unexpected character '${c}'`);
      out.push({ kind: 'word', value: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

export class SoqlError extends Error {}

export function parseSoql(q: string): SoqlQuery {
  const t = tokenize(q);
  let p = 0;
  const word = (w?: string) => {
    const tok = t[p];
    if (!tok || tok.kind !== 'word' || (w && tok.value.toUpperCase() !== w)) throw new SoqlError(`expected ${w ?? 'a name'} at token ${p}`);
    p++;
    return tok.value;
  };
  const punct = (v: string) => {
    if (t[p]?.kind !== 'punct' || t[p]!.value !== v) throw new SoqlError(`expected '${v}' at token ${p}`);
    p++;
  };
  const isWord = (w: string) => t[p]?.kind === 'word' && t[p]!.value.toUpperCase() === w;
  word('SELECT');
  const fields = [word()];
  while (t[p]?.value === ',') {
    p++;
    fields.push(word());
  }
  word('FROM');
  const object = word();
  const where: SoqlQuery['where'] = [];
  if (isWord('WHERE')) {
    p++;
    do {
      if (isWord('AND')) p++;
      const field = word();
      if (isWord('IN')) {
        p++;
        punct('(');
        const values: string[] = [];
        do {
          if (t[p]?.value === ',') p++;
          const v = t[p++];
          if (!v || v.kind !== 'string') throw new SoqlError('IN takes quoted values');
          values.push(v.value);
        } while (t[p]?.value === ',');
        punct(')');
        where.push({ field, op: 'IN', values });
      } else {
        punct('=');
        const v = t[p++];
        if (!v) throw new SoqlError('missing value');
        where.push({ field, op: '=', values: [v.kind === 'word' && v.value.toLowerCase() === 'null' ? null : v.value] });
      }
    } while (isWord('AND'));
  }
  let limit: number | undefined;
  if (isWord('LIMIT')) {
    p++;
    limit = Number(word());
  }
  if (p !== t.length) throw new SoqlError(`unexpected '${t[p]!.value}'`);
  return { fields, object, where, ...(limit !== undefined ? { limit } : {}) };
}
