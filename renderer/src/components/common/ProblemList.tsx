/** What is wrong with a form's input, announced when it appears (the tool arguments, an elicitation answer). */

/** Lists the problems found in a form's input; renders nothing when there are none. */
export function ProblemList({ problems }: { readonly problems: readonly string[] }) {
  if (problems.length === 0) return null;
  return (
    <ul className="field-problem" role="alert">
      {problems.map((p) => (
        <li key={p}>{p}</li>
      ))}
    </ul>
  );
}
