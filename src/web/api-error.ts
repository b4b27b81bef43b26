/**
 * An error a request caused (bad parameters, unknown key, foreign Host,
 * writes turned off), as Hono's HTTPException with a machine-readable code;
 * app.tsx's error handler turns it into JSON, and anything else into a
 * generic 500.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorJson } from "../../client/shared/api-types.ts";

export class ApiError extends HTTPException {
  override name = "ApiError";

  constructor(
    override readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(status, { message });
  }

  toJson(): ErrorJson {
    return { error: this.code, message: this.message };
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, "bad_request", message);
