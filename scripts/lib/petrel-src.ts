/**
 * The Worker's own modules, loaded into Node by tsx so the scripts validate, hash and create accounts
 * with exactly the code the Worker runs.
 *
 * They are imported by computed URL and typed here by the small surface the scripts use, so that
 * `tsc -p tsconfig.node.json` (Node + DOM types) does not type-check src/, which is written against
 * @cloudflare/workers-types and checked by tsconfig.json. The e2e tests exercise this boundary at
 * runtime: if a signature here drifts from src/, they fail.
 */

export interface PetrelConfig {
  localDomain: string;
  webDomain: string;
  baseUrl: string;
  registrationsMode: string;
}

export interface ConfigModule {
  loadConfig(env: Record<string, string | undefined>): PetrelConfig;
  ConfigError: new (setting: string, problem: string) => Error;
}

export interface FieldError {
  field: string;
  message: string;
  code: string;
}

export type AccountRole = "user" | "moderator" | "admin" | "owner";
export const ACCOUNT_ROLES: readonly AccountRole[] = ["owner", "admin", "moderator", "user"];

/** Opaque to the scripts: a drizzle database over a D1 binding. */
export type Db = { readonly __brand: "Db" };

export interface CreatedAccount {
  account: { id: number; username: string };
  user: { id: number; email: string; role: string };
}

export interface AccountsModule {
  usernameErrors(username: string): FieldError[];
  passwordErrors(password: string): FieldError[];
  emailErrors(email: string): FieldError[];
  createLocalAccount(
    db: Db,
    input: {
      username: string;
      email: string;
      password: string;
      role?: AccountRole;
      approved?: boolean;
      confirmed?: boolean;
      agreement?: boolean;
    },
  ): Promise<CreatedAccount>;
}

export interface PasswordModule {
  hashPassword(password: string): Promise<string>;
  generatePassword(): string;
}

export interface ErrorsModule {
  validationFailed(errors: FieldError[]): Error & { status: number };
  ApiError: new (status: number, message: string) => Error & { status: number };
}

export interface IdsModule {
  newId(at?: number): number;
}

export interface EventOutboxModule {
  /** The statement recording `notification.created` for a notification the same batch writes. */
  outboxNotificationCreated(
    notificationId: number,
    accountId: number,
    now: number,
  ): { sql: string; params: Array<string | number> };
}

export interface DomainNamesModule {
  normalizeBlockDomain(raw: string): string | null;
  isOwnDomain(domain: string, own: readonly string[]): boolean;
  domainBlockWork(op: "apply" | "lift", domain: string, marker: number): Record<string, unknown>;
}

export interface DbClientModule {
  /** `d1` is a D1Database binding (from getPlatformProxy). */
  createDb(d1: unknown): Db;
}

async function load<T>(relativePath: string): Promise<T> {
  const url = new URL(`../../src/${relativePath}`, import.meta.url);
  return (await import(url.href)) as T;
}

export const loadConfigModule = () => load<ConfigModule>("config.ts");
export const loadAccountsModule = () => load<AccountsModule>("services/accounts.ts");
export const loadPasswordModule = () => load<PasswordModule>("crypto/password.ts");
export const loadErrorsModule = () => load<ErrorsModule>("errors.ts");
export const loadIdsModule = () => load<IdsModule>("ids.ts");
export const loadDbClientModule = () => load<DbClientModule>("db/client.ts");
export const loadDomainNamesModule = () => load<DomainNamesModule>("util/domain-names.ts");
export const loadEventOutboxModule = () => load<EventOutboxModule>("queue/event-outbox.ts");
