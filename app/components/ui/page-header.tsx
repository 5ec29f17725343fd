/** A page's title and the sentence under it. */
export function PageHeader({ title, description }: { title: string; description?: string }) {
  return (
    <div className="mb-6">
      <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
      {description && <p className="mt-1 text-slate-600 dark:text-slate-400">{description}</p>}
    </div>
  );
}
