/** "Up" and "Down" for a todo in manual order; each is disabled where there is nowhere to go. */
interface Props {
  /** The todo's description, which each button names for screen readers. */
  name: string;
  onUp: (() => void) | undefined;
  onDown: (() => void) | undefined;
  busy: boolean;
}

export function UpDownButtons({ name, onUp, onDown, busy }: Props) {
  return (
    <>
      {(
        [
          ['Up', onUp],
          ['Down', onDown],
        ] as const
      ).map(([label, move]) => (
        <button key={label} type="button" className="link" disabled={!move || busy} onClick={move}>
          {label}
          <span className="visually-hidden"> “{name}”</span>
        </button>
      ))}
    </>
  );
}
