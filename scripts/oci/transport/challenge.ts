/**
 * `WWW-Authenticate` parsing (RFC 7235): one or more challenges, each a scheme and comma-separated
 * parameters whose quoted values may themselves contain commas (`scope="repository:a:pull,push"`).
 */
export interface Challenge {
  /** Lower-case scheme: `basic`, `bearer`, ... */
  scheme: string;
  /** Parameters with lower-case names. */
  params: Record<string, string>;
}

export function parseChallenges(header: string | null): Challenge[] {
  if (!header) return [];
  const challenges: Challenge[] = [];
  let i = 0;
  const n = header.length;
  const skipSpace = () => {
    while (i < n && (header[i] === " " || header[i] === "\t")) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z/:=]/.test(header[i]!) && header[i] !== "=") i++;
    return header.slice(start, i);
  };
  let current: Challenge | undefined;
  while (i < n) {
    skipSpace();
    if (header[i] === ",") {
      i++;
      continue;
    }
    const start = i;
    const token = readToken();
    if (token === "") {
      i++; // unexpected character: skip it
      continue;
    }
    skipSpace();
    if (header[i] === "=" && current) {
      i++;
      skipSpace();
      let value = "";
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === "\\" && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++; // closing quote
      } else {
        const valueStart = i;
        while (i < n && header[i] !== ",") i++;
        value = header.slice(valueStart, i).trim();
      }
      current.params[token.toLowerCase()] = value;
    } else {
      // A new challenge: `Scheme` possibly followed by params (or a token68, which we ignore).
      current = { scheme: header.slice(start, start + token.length).toLowerCase(), params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}
