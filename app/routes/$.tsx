import { data } from "@remix-run/node";

// Any path no other route matches: a real 404 status, rendered by the root error boundary.
export const loader = () => {
  throw data({ message: "There is no page at this address." }, { status: 404 });
};

export default function NotFound() {
  return null;
}
