import assert from "node:assert/strict";
import { parseInvocation } from "./main.ts";

Deno.test("parseInvocation: zkCli.sh's options, then the one-shot command", async (t) => {
  const cases: {
    name: string;
    argv: string[];
    server?: string;
    timeoutMs?: number;
    readOnly?: boolean;
    wait?: boolean;
    command: string[] | null;
    errors?: string[];
    crash?: string;
  }[] = [
    { name: "no options", argv: [], server: "localhost:2181", timeoutMs: 30000, command: null },
    {
      name: "every option",
      argv: ["-server", "h:1", "-timeout", "5000", "-r", "-waitforconnection"],
      server: "h:1",
      timeoutMs: 5000,
      readOnly: true,
      wait: true,
      command: null,
    },
    {
      name: "a one-shot command keeps its own flags",
      argv: ["-server", "h:1", "ls", "-s", "-R", "/"],
      server: "h:1",
      command: ["ls", "-s", "-R", "/"],
    },
    {
      name: "unknown options are ignored",
      argv: ["-secure", "-server", "h:1", "get", "/a"],
      server: "h:1",
      command: ["get", "/a"],
    },
    {
      name: "-client-configuration is accepted",
      argv: ["-client-configuration", "zk.properties", "sync", "/"],
      command: ["sync", "/"],
    },
    {
      name: "a -timeout that is not an int ends the shell",
      argv: ["-timeout", "abc", "ls", "/"],
      command: ["ls", "/"],
      crash: 'Exception in thread "main" java.lang.NumberFormatException: For input string: "abc"',
    },
    {
      name: "an option missing its value",
      argv: ["-server"],
      server: "localhost:2181",
      command: null,
      errors: ["Error: no argument found for option -server"],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const inv = parseInvocation(c.argv);
      if (c.server) assert.equal(inv.options.server, c.server);
      if (c.timeoutMs) assert.equal(inv.options.timeoutMs, c.timeoutMs);
      assert.equal(inv.options.readOnly, c.readOnly ?? false);
      assert.equal(inv.options.waitForConnection, c.wait ?? false);
      assert.deepEqual(inv.command, c.command);
      assert.deepEqual(inv.errors, c.errors ?? []);
      assert.equal(inv.crash, c.crash);
    });
  }
});
