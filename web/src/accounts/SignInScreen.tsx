/** Register or sign in; or, where the server allows it, go on without an account. */
import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { ErrorMessages, errorsOf, type PayloadError } from '../ui/ErrorMessages';
import { AnonymousProbeQuery, LoginMutation, RegisterMutation } from './operations';

interface Props {
  onSignedIn: () => void;
  onContinueAnonymously: () => void;
}

export function SignInScreen({ onSignedIn, onContinueAnonymously }: Props) {
  const [mode, setMode] = useState<'signIn' | 'register'>('signIn');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<readonly PayloadError[]>([]);
  const [loginState, login] = useMutation(LoginMutation);
  const [registerState, register] = useMutation(RegisterMutation);
  // An anonymous caller sees lists (its space's Inbox) only where the server allows anonymous use.
  const [{ data: probe }] = useQuery({ query: AnonymousProbeQuery });
  const id = useId();
  const busy = loginState.fetching || registerState.fetching;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result =
      mode === 'signIn' ? await login({ username, password }) : await register({ input: { username, password } });
    const payload = result.data && ('login' in result.data ? result.data.login : result.data.register);
    if (payload?.status) onSignedIn();
    else setErrors(errorsOf(result, payload && { errors: payload.error ? [payload.error] : [] }));
  }

  const title = mode === 'signIn' ? 'Sign in' : 'Create an account';
  return (
    <main className="centered sign-in">
      <h1>Todos</h1>
      <form onSubmit={(event) => void submit(event)} aria-labelledby={`${id}-title`} noValidate>
        <h2 id={`${id}-title`}>{title}</h2>
        <label htmlFor={`${id}-username`}>Username</label>
        <input
          id={`${id}-username`}
          name="username"
          autoComplete="username"
          required
          value={username}
          onChange={(event) => setUsername(event.target.value)}
        />
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete={mode === 'signIn' ? 'current-password' : 'new-password'}
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        {mode === 'register' && (
          <p className="hint">3 to 32 letters, digits, _ . or -; a password of 8 or more characters.</p>
        )}
        <ErrorMessages errors={errors} />
        <button type="submit" className="primary" disabled={busy}>
          {title}
        </button>
      </form>
      <p>
        {mode === 'signIn' ? 'New here? ' : 'Have an account? '}
        <button
          type="button"
          className="link"
          onClick={() => {
            setMode(mode === 'signIn' ? 'register' : 'signIn');
            setErrors([]);
          }}
        >
          {mode === 'signIn' ? 'Create an account' : 'Sign in'}
        </button>
      </p>
      {probe && probe.lists.length > 0 && (
        <p>
          <button type="button" className="link" onClick={onContinueAnonymously}>
            Continue without an account
          </button>{' '}
          (todos made this way are shared by everyone who does the same)
        </p>
      )}
    </main>
  );
}
