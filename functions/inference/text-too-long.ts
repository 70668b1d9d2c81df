// The 422 for a text longer than the model reads when truncation was not asked for: the client's
// encoders refuse it while tokenizing (TextTooLongError), so each text is tokenized once per request;
// classification and feature extraction answer it alike.
import { TextTooLongError } from "../../client/encoder-batch.ts";
import { Problem } from "../problem.ts";

/** `run`, with a TextTooLongError turned into the API's 422 naming model `name`. */
export async function refusingLongTexts<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof TextTooLongError)) throw error;
    const { index, tokens, maxTokens } = error;
    throw new Problem({
      status: 422,
      slug: "text-too-long",
      title: "Unprocessable Content",
      detail: `text ${index} is ${tokens} tokens; ${name} reads at most ${maxTokens}. Shorten it or send "truncation": true`,
      extra: { index, tokens, maxTokens },
    });
  }
}
