// npm run feedback -- export [--model ID] [--app chat] [--rating up|down] [--since YYYY-MM-DD]
//                            [--until YYYY-MM-DD] [--format messages|preference] > file.jsonl
// Users' rated answers as training data (server/feedback/export-cli.ts): JSONL on stdout, messages
// on stderr. While the server runs on the embedded database, the export comes through that server.
import { runFeedbackCli } from "../server/feedback/export-cli";

process.exitCode = await runFeedbackCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
