/**
 * How a todo repeats, beside its due date: the server's English summary of its
 * rule (`Todo.recurrence.summary`), with the rule and zone for those who hover.
 */
interface Props {
  recurrence: { rule: string; timeZone: string; summary: string } | null | undefined;
}

export function RecurrenceBadge({ recurrence }: Props) {
  if (!recurrence) return null;
  return (
    <span className="badge recurrence" title={`${recurrence.rule} (${recurrence.timeZone})`}>
      <span aria-hidden="true">↻ </span>
      <span className="visually-hidden">Repeats </span>
      {recurrence.summary}
    </span>
  );
}
