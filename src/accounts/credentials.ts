/** The rules a new account's username and password must follow, with the errors clients see. */

export type AccountErrorCode =
  'USERNAME_TAKEN' | 'INVALID_USERNAME' | 'INVALID_PASSWORD' | 'INVALID_CREDENTIALS' | 'RATE_LIMITED';

/** The schema's `Error` type. */
export interface AccountError {
  readonly message: string;
  readonly code: AccountErrorCode;
  readonly field: string | null;
}

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;
const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

/** Usernames are unique and looked up ignoring letter case. */
export const usernameKey = (username: string) => username.toLowerCase();

/** The first rule `input` breaks, naming its field as `input.<field>`, or null. */
export function checkRegistration(input: { username: string; password: string }): AccountError | null {
  if (!USERNAME.test(input.username)) {
    return {
      message: 'A username has 3 to 32 characters: letters, digits, "_", "." or "-".',
      code: 'INVALID_USERNAME',
      field: 'username',
    };
  }
  // Length in Unicode code points, not UTF-16 units: "🔑" counts once.
  const length = input.password.replace(SURROGATE_PAIR, '_').length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    return {
      message: `A password has ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`,
      code: 'INVALID_PASSWORD',
      field: 'password',
    };
  }
  return null;
}

/**
 * Whether some account could have these credentials: a username registration
 * allows, and a password no longer than it allows. Anything else is a wrong
 * login without looking, hashing or recording anything.
 */
export function couldBeCredentials(username: string, password: string): boolean {
  return USERNAME.test(username) && password.replace(SURROGATE_PAIR, '_').length <= PASSWORD_MAX_LENGTH;
}

export const accountErrors = {
  usernameTaken: (username: string): AccountError => ({
    message: `The username "${username}" is taken.`,
    code: 'USERNAME_TAKEN',
    field: 'username',
  }),
  invalidCredentials: {
    message: 'Wrong username or password.',
    code: 'INVALID_CREDENTIALS',
    field: null,
  } satisfies AccountError,
  rateLimited: (minutes: number): AccountError => ({
    message: `Too many failed logins for this username: try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    code: 'RATE_LIMITED',
    field: null,
  }),
};
