// Item callbacks for vector<ustring>, shared by the record modules.
import type { JuteReader } from "./reader.ts";
import type { JuteWriter } from "./writer.ts";

export function readStr(r: JuteReader): string {
  return r.readString();
}

export function writeStr(w: JuteWriter, s: string): void {
  w.writeString(s);
}
