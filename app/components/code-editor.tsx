// A CodeMirror 6 editor with inline-completion ghost text: the page streams a suggestion in at the
// cursor (dimmed, italic, class `cm-ghost-text`), Tab accepts it, Esc dismisses it. Created in an
// effect, so the server renders only an empty frame of the same size (no SSR of the editor).
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, HighlightStyle, indentOnInput, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { Compartment, EditorState, Prec, StateEffect, StateField, type Extension } from "@codemirror/state";
import {
  Decoration,
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
  placeholder as placeholderText,
  WidgetType,
  type DecorationSet,
} from "@codemirror/view";
// @lezer/highlight is CodeMirror's own tag vocabulary (a dependency of @codemirror/language).
import { tags } from "@lezer/highlight";
import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";

export type EditorLanguage = "typescript" | "javascript" | "python" | "go" | "rust" | "java" | "c" | "cpp" | "shell";

/** Each language's grammar is its own chunk, loaded when that language is chosen. */
async function loadLanguage(language: EditorLanguage): Promise<Extension> {
  switch (language) {
    case "typescript":
      return (await import("@codemirror/lang-javascript")).javascript({ typescript: true });
    case "javascript":
      return (await import("@codemirror/lang-javascript")).javascript();
    case "python":
      return (await import("@codemirror/lang-python")).python();
    case "go":
      return (await import("@codemirror/lang-go")).go();
    case "rust":
      return (await import("@codemirror/lang-rust")).rust();
    case "java":
      return (await import("@codemirror/lang-java")).java();
    case "c":
    case "cpp":
      return (await import("@codemirror/lang-cpp")).cpp();
    default:
      return []; // shell: plain text
  }
}

function indentFor(language: EditorLanguage) {
  if (language === "go") return "\t";
  if (language === "python" || language === "rust" || language === "java") return "    ";
  return "  ";
}

// ---- ghost text ----------------------------------------------------------------------------

interface Ghost {
  pos: number;
  text: string;
}

const setGhost = StateEffect.define<Ghost | null>();

class GhostWidget extends WidgetType {
  constructor(readonly text: string) {
    super();
  }
  override eq(other: GhostWidget) {
    return other.text === this.text;
  }
  toDOM() {
    const span = document.createElement("span");
    span.className = "cm-ghost-text";
    span.setAttribute("aria-hidden", "true");
    span.textContent = this.text;
    return span;
  }
  override ignoreEvent() {
    return false;
  }
}

/** The suggestion shown at the cursor; any edit or cursor move elsewhere drops it. */
const ghostField = StateField.define<Ghost | null>({
  create: () => null,
  update(value, tr) {
    for (const e of tr.effects) if (e.is(setGhost)) return e.value;
    if (!value) return null;
    if (tr.docChanged) return null;
    if (tr.selection && tr.newSelection.main.head !== value.pos) return null;
    return value;
  },
  provide: (field) =>
    EditorView.decorations.from(field, (ghost): DecorationSet =>
      ghost && ghost.text
        ? Decoration.set([Decoration.widget({ widget: new GhostWidget(ghost.text), side: 1 }).range(ghost.pos)])
        : Decoration.none,
    ),
});

function acceptGhost(view: EditorView): boolean {
  const ghost = view.state.field(ghostField);
  if (!ghost || !ghost.text) return false;
  view.dispatch({
    changes: { from: ghost.pos, insert: ghost.text },
    selection: { anchor: ghost.pos + ghost.text.length },
    effects: setGhost.of(null),
    // Not "input.complete": indentOnInput re-indents lines such as a closing brace after that
    // event, and the accepted text must be exactly the suggestion that was shown.
    userEvent: "input.paste",
    scrollIntoView: true,
  });
  return true;
}

// ---- looks: follows the page (light/dark) through Tailwind classes ---------------------------

const highlight = HighlightStyle.define([
  {
    tag: [tags.keyword, tags.modifier, tags.controlKeyword, tags.operatorKeyword],
    class: "text-[#cf222e] dark:text-[#ff7b72]",
  },
  { tag: [tags.string, tags.special(tags.string), tags.regexp], class: "text-[#0a3069] dark:text-[#a5d6ff]" },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], class: "text-[#0550ae] dark:text-[#79c0ff]" },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], class: "italic text-[#6e7781] dark:text-[#8b949e]" },
  {
    tag: [
      tags.function(tags.variableName),
      tags.function(tags.propertyName),
      tags.definition(tags.function(tags.variableName)),
    ],
    class: "text-[#8250df] dark:text-[#d2a8ff]",
  },
  { tag: [tags.typeName, tags.className, tags.namespace], class: "text-[#953800] dark:text-[#ffa657]" },
  { tag: [tags.propertyName, tags.attributeName], class: "text-[#0550ae] dark:text-[#79c0ff]" },
  { tag: [tags.meta, tags.processingInstruction], class: "text-[#6e7781] dark:text-[#8b949e]" },
  { tag: tags.invalid, class: "text-red-600 dark:text-red-400" },
]);

const baseTheme = EditorView.theme({
  "&": { backgroundColor: "transparent", color: "inherit", fontSize: "0.875rem", height: "100%" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": {
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace",
    lineHeight: "1.6",
  },
  ".cm-content": { caretColor: "currentColor", padding: "8px 0" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "currentColor" },
  ".cm-gutters": { backgroundColor: "transparent", color: "rgb(100 116 139)", border: "none" },
  ".cm-activeLine, .cm-activeLineGutter": { backgroundColor: "rgb(100 116 139 / 0.08)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection":
    { backgroundColor: "rgb(99 102 241 / 0.28)" },
  ".cm-matchingBracket": { backgroundColor: "rgb(99 102 241 / 0.2)", outline: "none" },
  ".cm-placeholder": { color: "rgb(100 116 139)" },
  ".cm-ghost-text": { opacity: "0.5", fontStyle: "italic", whiteSpace: "pre-wrap" },
});

// ---- the component ---------------------------------------------------------------------------

export interface CodeEditorHandle {
  /** Code before and after the cursor and the cursor's offset (undefined with a selection). */
  cursorContext(): { prefix: string; suffix: string; pos: number } | undefined;
  showGhost(pos: number, text: string): void;
  clearGhost(): void;
  hasGhost(): boolean;
  acceptGhost(): boolean;
  focus(): void;
}

export interface CodeEditorEvents {
  /** The document changed (typing, paste, accepting a suggestion). */
  onEdit?: (doc: string) => void;
  /** The cursor moved (not merely re-selected in place) without an edit. */
  onCursorMove?: () => void;
  /** Ctrl/Cmd+Space: ask for a suggestion now. */
  onRequestInline?: () => void;
  /** Ctrl/Cmd+Enter: a longer completion. */
  onRequestBlock?: () => void;
  /** Esc: return true when something (a suggestion, a request) was dismissed. */
  onEscape?: () => boolean;
}

export const CodeEditor = forwardRef<
  CodeEditorHandle,
  CodeEditorEvents & {
    label: string;
    initialDoc: string;
    language: EditorLanguage;
    placeholder?: string;
    describedBy?: string;
    className?: string;
  }
>(function CodeEditor({ label, initialDoc, language, placeholder, describedBy, className = "", ...events }, ref) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const languageSlot = useRef(new Compartment());
  const indentSlot = useRef(new Compartment());
  // The editor lives outside React; its handlers read the latest callbacks through this ref.
  const handlers = useRef(events);
  useEffect(() => {
    handlers.current = events;
  });
  // Creation-time settings: later changes of these go through compartments (language) or are ignored.
  const initial = useRef({ initialDoc, language, label, placeholder, describedBy });

  useEffect(() => {
    const { initialDoc, language, label, placeholder, describedBy } = initial.current;
    const completionKeys = Prec.highest(
      keymap.of([
        { key: "Tab", run: acceptGhost },
        {
          key: "Escape",
          run: (v) => {
            const hadGhost = v.state.field(ghostField) !== null;
            if (hadGhost) v.dispatch({ effects: setGhost.of(null) });
            const dismissed = handlers.current.onEscape?.() ?? false;
            return hadGhost || dismissed;
          },
        },
        {
          key: "Mod-Space",
          run: () => {
            handlers.current.onRequestInline?.();
            return true;
          },
        },
        {
          key: "Ctrl-Space",
          run: () => {
            handlers.current.onRequestInline?.();
            return true;
          },
        },
        {
          key: "Mod-Enter",
          run: () => {
            handlers.current.onRequestBlock?.();
            return true;
          },
        },
      ]),
    );
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: initialDoc,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(highlight),
          ghostField,
          completionKeys,
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          languageSlot.current.of([]), // filled in by the language effect below
          indentSlot.current.of(indentUnit.of(indentFor(language))),
          baseTheme,
          // Snippets wrap rather than scroll sideways, so a suggestion is seen whole, on phones too.
          EditorView.lineWrapping,
          placeholder ? placeholderText(placeholder) : [],
          EditorView.contentAttributes.of({
            "aria-label": label,
            ...(describedBy && { "aria-describedby": describedBy }),
          }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) handlers.current.onEdit?.(update.state.doc.toString());
            else if (update.startState.selection.main.head !== update.state.selection.main.head) {
              handlers.current.onCursorMove?.();
            }
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
  }, []);

  useEffect(() => {
    let current = true;
    view.current?.dispatch({ effects: indentSlot.current.reconfigure(indentUnit.of(indentFor(language))) });
    loadLanguage(language).then(
      (extension) => {
        if (current) view.current?.dispatch({ effects: languageSlot.current.reconfigure(extension) });
      },
      () => {}, // no highlighting is better than no editor
    );
    return () => {
      current = false;
    };
  }, [language]);

  useImperativeHandle(
    ref,
    () => ({
      cursorContext() {
        const v = view.current;
        if (!v) return undefined;
        const sel = v.state.selection.main;
        if (!sel.empty) return undefined;
        return {
          prefix: v.state.doc.sliceString(0, sel.head),
          suffix: v.state.doc.sliceString(sel.head),
          pos: sel.head,
        };
      },
      showGhost(pos, text) {
        const v = view.current;
        if (!v || pos > v.state.doc.length) return;
        v.dispatch({ effects: setGhost.of(text ? { pos, text } : null) });
      },
      clearGhost() {
        const v = view.current;
        if (v && v.state.field(ghostField)) v.dispatch({ effects: setGhost.of(null) });
      },
      hasGhost: () => !!view.current?.state.field(ghostField),
      acceptGhost: () => (view.current ? acceptGhost(view.current) : false),
      focus: () => view.current?.focus(),
    }),
    [],
  );

  return (
    <div
      ref={host}
      data-testid="code-editor"
      className={`min-h-72 overflow-hidden rounded-md border border-slate-300 bg-white shadow-sm focus-within:border-brand-500 focus-within:ring-2 focus-within:ring-brand-500 dark:border-slate-700 dark:bg-slate-900 [&_.cm-editor]:min-h-72 [&_.cm-scroller]:max-h-[32rem] [&_.cm-scroller]:min-h-72 ${className}`}
    />
  );
});
