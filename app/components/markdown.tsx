// Assistant answers as Markdown (GitHub flavour), code blocks highlighted with a copy button.
// react-markdown renders no raw HTML, so model output cannot inject markup.
import { memo } from "react";
import ReactMarkdown from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";
import { CopyButton } from "./ui";

function textOfNode(node: React.ReactNode): string {
  if (typeof node === "string" || typeof node === "number") return String(node);
  if (Array.isArray(node)) return node.map(textOfNode).join("");
  if (node && typeof node === "object" && "props" in node) {
    return textOfNode((node as { props: { children?: React.ReactNode } }).props.children);
  }
  return "";
}

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="prose-loom space-y-3 leading-relaxed break-words">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        rehypePlugins={[[rehypeHighlight, { detect: true, ignoreMissing: true }]]}
        components={{
          pre: ({ children }) => (
            <div className="group relative">
              <div className="absolute top-1 right-1 opacity-70 group-hover:opacity-100">
                <CopyButton text={textOfNode(children)} label="Copy code" />
              </div>
              <pre className="overflow-x-auto rounded-md bg-slate-100 p-3 text-sm dark:bg-slate-900">{children}</pre>
            </div>
          ),
          a: ({ children, href }) => (
            <a
              href={href}
              target="_blank"
              rel="noreferrer noopener"
              className="text-brand-600 underline dark:text-brand-500"
            >
              {children}
            </a>
          ),
          ul: ({ children }) => <ul className="list-disc pl-6">{children}</ul>,
          ol: ({ children }) => <ol className="list-decimal pl-6">{children}</ol>,
          code: ({ className, children }) => (
            <code
              className={`${className ?? ""} ${className ? "" : "rounded bg-slate-100 px-1 dark:bg-slate-800"} font-mono text-[0.9em]`}
            >
              {children}
            </code>
          ),
        }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
});
