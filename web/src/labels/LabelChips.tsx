/** A todo's labels as coloured chips, each with a dot of its colour and its name as text. */
interface Props {
  labels: readonly { readonly id: string; readonly name: string; readonly color: string }[];
}

export function LabelChips({ labels }: Props) {
  if (labels.length === 0) return null;
  return (
    <ul className="label-chips" aria-label="Labels">
      {labels.map((label) => (
        // The colour is a dot beside the name, not the text's background: any colour stays readable.
        <li key={label.id} className="label-chip">
          <span className="label-dot" style={{ backgroundColor: label.color }} aria-hidden="true" />
          {label.name}
        </li>
      ))}
    </ul>
  );
}
