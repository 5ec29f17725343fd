/**
 * A table that becomes a list of cards on phones: rows stack, cells show their own label
 * (`<CellLabel>`), the header row is hidden there.
 */
export const responsiveTable = {
  table: "w-full text-left text-sm max-md:block",
  thead: "max-md:hidden",
  headRow:
    "border-b border-slate-200 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400",
  th: "py-2 pr-4 font-medium",
  tbody: "max-md:block max-md:space-y-3",
  row: "border-b border-slate-100 align-top dark:border-slate-900 max-md:block max-md:rounded-lg max-md:border max-md:border-slate-200 max-md:p-3 max-md:dark:border-slate-800",
  cell: "py-3 pr-4 max-md:block max-md:py-1.5 max-md:pr-0",
};

export function CellLabel({ children }: { children: React.ReactNode }) {
  return (
    <span className="mb-0.5 block text-xs font-medium tracking-wide text-slate-500 uppercase md:hidden dark:text-slate-400">
      {children}
    </span>
  );
}
