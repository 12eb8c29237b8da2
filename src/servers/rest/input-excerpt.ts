/** The most characters of a client's input an error message repeats. */
export const EXCERPT_MAX = 64;

/**
 * A short, printable excerpt of something a client sent, for an error message: control and
 * other invisible characters escaped as \uXXXX (\u{XXXXX} past the BMP), cut to EXCERPT_MAX characters with "…" when it
 * was longer. A message never carries the whole of a long or hostile input.
 */
export function excerpt(input: string, max = EXCERPT_MAX): string {
  const cut = input.length > max ? input.slice(0, max) : input;
  const escaped = cut.replace(
    // Controls (C0, DEL, C1), format characters (bidi controls, zero widths), line and paragraph
    // separators, and lone surrogates.
    /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu,
    (c) => {
      const hex = (c.codePointAt(0) ?? 0).toString(16);
      return hex.length <= 4 ? `\\u${hex.padStart(4, "0")}` : `\\u{${hex}}`;
    },
  );
  return input.length > max ? `${escaped}…` : escaped;
}
