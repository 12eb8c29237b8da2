import { isKeyId } from "../crypto/ed25519.js";
import type { JsonObject } from "../encoding/canonical-json.js";

/**
 * The CLI's view of a transaction type, as data: the `tx` subcommand's name, its help, its flags
 * and how the flags become params. The core builds no commander objects and does no I/O: what
 * needs a file or the node (a key file, an evidence file, the chain id) is asked of the TxCliIo
 * the CLI hands in, so each type's flag logic lives in the type's own module.
 */
export type TxCliOption = {
  /** The flag without its dashes: "member-key" is `--member-key`. */
  readonly flag: string;
  readonly description: string;
} & (
  | {
      /** A flag without a value: true when given. */
      readonly kind: "switch";
    }
  | {
      /** text: one value; list: one or more values (variadic). */
      readonly kind: "text" | "list";
      /** The value's name in the help: "id" shows as `--device <id>`. */
      readonly arg: string;
      readonly required?: boolean;
      /** The only values allowed, checked by the CLI before anything is signed. */
      readonly choices?: readonly string[];
    }
);

/** What the user gave, by flag name ("member-key", not commander's "memberKey"). */
export type TxCliValues = Readonly<
  Record<string, string | readonly string[] | boolean | undefined>
>;

/** The I/O a type's flags may need, done by the CLI on the definition's behalf. */
export interface TxCliIo {
  /** The bytes of a local file. */
  readFile(path: string): Uint8Array;
  /** A local file as UTF-8 text. */
  readTextFile(path: string): string;
  /** The public key id of a local key file (its private half is not used). */
  keyFileId(path: string): string;
  /** The chain id of the node the transaction goes to. */
  chainId(): Promise<string>;
  /** A device's primary registry key, as the node resolves the identifier given. */
  devicePrimaryKey(device: string): Promise<string>;
}

export interface TxCli {
  /** The subcommand: `devicechain tx <command>`. */
  readonly command: string;
  /** Its one line of help, addressed to the user; the CLI appends the type name. */
  readonly summary: string;
  readonly options: readonly TxCliOption[];
  /** Flags to params. A refusal here is REQUEST_BAD_PARAMS: nothing is signed. */
  readonly params: (values: TxCliValues, io: TxCliIo) => JsonObject | Promise<JsonObject>;
}

/** A flag's value as text (commander has checked required flags are there). */
export const flagText = (v: TxCliValues, flag: string): string => String(v[flag]);

/** `{[as]: value}` if the flag was given, else nothing. */
export const optionalFlag = (v: TxCliValues, flag: string, as = flag): JsonObject =>
  v[flag] === undefined ? {} : { [as]: flagText(v, flag) };

/** A public key given as a key id, or as a key file whose public half is used. */
export function publicKeyFlag(v: TxCliValues, flag: string, io: TxCliIo): string {
  const value = flagText(v, flag);
  return isKeyId(value) ? value : io.keyFileId(value);
}

/** `--device <id>`, the flag most types share. */
export const DEVICE_OPTION: TxCliOption = {
  flag: "device",
  kind: "text",
  arg: "id",
  required: true,
  description: "the device, by any identifier",
};

/** The params of a type whose only flag is --device. */
export const deviceOnlyParams = (v: TxCliValues): JsonObject => ({ device: flagText(v, "device") });
