/**
 * What a password must be, checked wherever one is set (a new user, a change, an admin reset,
 * ADMIN_PASSWORD). Length is what resists guessing, so the rule is mostly length; on top, the
 * passwords every guessing list starts with and passwords made of the username are refused even
 * when long enough, since a throttled guesser tries exactly those first.
 */

export const MIN_PASSWORD_LENGTH = 12;

/**
 * Words that lead every leaked-password list. A password is refused when, with digits and
 * punctuation stripped and lowercased, it is one of these ("Password123!", "qwerty123456").
 */
const commonWords = new Set([
  'password', 'passwort', 'passw', 'pass', 'admin', 'administrator', 'root', 'welcome', 'letmein', 'qwerty',
  'qwertz', 'azerty', 'asdf', 'asdfgh', 'asdfghjkl', 'zxcvbn', 'qwertyuiop', 'iloveyou', 'monkey', 'dragon',
  'football', 'baseball', 'master', 'sunshine', 'princess', 'shadow', 'superman', 'trustno', 'abc', 'abcdef',
  'abcdefgh', 'abcdefghijkl', 'secret', 'changeme', 'default', 'login', 'user', 'test', 'guest', 'fieldline',
]);

/** Why `password` is not acceptable for `username`, or undefined when it is. */
export function passwordProblem(password: string, username: string): string | undefined {
  // Code points, not UTF-16 units: an emoji is one character to the person typing it.
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_PASSWORD_LENGTH} characters (it has ${length}); a few words make a good one`;
  const lower = password.toLowerCase();
  const letters = lower.replace(/[^\p{L}]/gu, '');
  if (letters === '' || commonWords.has(letters)) return 'the password is one of the first every guesser tries; choose another';
  // "aaaaaaaaaaaa", "121212121212", "abcabcabcabc": long but a handful of keystrokes to guess.
  if (new Set(lower).size < 4) return 'the password repeats too few characters; choose another';
  const name = username.toLowerCase();
  if (name !== '') {
    if (lower === name) return 'the password may not be the username';
    // Containing the username is allowed only when the rest is a password of its own (8+
    // characters beyond it): "admin2024admin" is refused, a passphrase mentioning a name is not.
    const rest = lower.split(name).join('');
    if (rest.length < lower.length && [...rest].length < 8) return 'the password is mostly the username; choose another';
  }
  return undefined;
}
