/**
 * Answering a write only once it is durable: with a data file, the write's records are
 * journaled first; a write the journal refused changed nothing (it was rolled back) and is
 * answered 507 when the disk is full, else 503, naming the file.
 */
import type { FastifyReply } from "fastify";
import { appendAll } from "../boot/data-file.js";
import { HttpProblem } from "../errors.js";
import { JournalWriteError, type JournalWriter } from "../journal/index.js";
import type { WriteResult } from "../state/records.js";

/** Answers `w` with `status` (204: no body) once it is on disk; at once without a journal. */
export function answerDurable(
  journal: JournalWriter | undefined,
  res: FastifyReply,
  status: number,
  w: WriteResult<unknown>,
): void {
  const send = (): void => {
    if (status === 204) res.code(204).send();
    else res.code(status).send(w.value);
  };
  if (!journal) {
    send();
    return;
  }
  appendAll(journal, w).then(send, (e: unknown) =>
    res.send(
      e instanceof JournalWriteError
        ? new HttpProblem(e.status, [e.message])
        : new HttpProblem(500, [`could not write the data file: ${(e as Error).message}`]),
    ),
  );
}
