// One server for the whole suite (specs that need other settings start their own with startServer).
import { startServer } from "./server";

export default async function globalSetup() {
  const server = await startServer();
  process.env.LOOM_E2E_BASE_URL = server.baseUrl;
  return () => server.stop();
}
