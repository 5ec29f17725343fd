import { useEffect, useState } from "react";
import type { AssignedModel } from "../../server/registry/assignments";
import { APP_FORM_ID } from "~/components/one-shot/app-form";

/**
 * The model chosen in AppPage's picker (`<select name="model" form="app-form">`, uncontrolled):
 * its default at first, then whatever the user picks.
 */
export function useSelectedModel(models: AssignedModel[]): string | undefined {
  const [chosen, setChosen] = useState<string>();
  useEffect(() => {
    const onChange = (e: Event) => {
      const t = e.target;
      if (t instanceof HTMLSelectElement && t.name === "model" && t.getAttribute("form") === APP_FORM_ID) {
        setChosen(t.value);
      }
    };
    document.addEventListener("change", onChange);
    return () => document.removeEventListener("change", onChange);
  }, []);
  const fallback = models.find((m) => m.isDefault)?.id ?? models[0]?.id;
  return chosen && models.some((m) => m.id === chosen) ? chosen : fallback;
}
