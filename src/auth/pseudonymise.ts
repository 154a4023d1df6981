/**
 * The rule that takes people and devices out of a hunting result shown in a shared conversation.
 *
 * A list of column names misses the next query's columns (a device named after its user, a path
 * under a profile, a display name inside a JSON string), so the rule reads the result itself:
 *
 * 1. A column or JSON key whose name says person (upn, email, account, user, recipient, sender,
 *    display name, object id, manager, …) holds a person: its whole value becomes their pseudonym.
 *    Within one object the other identifiers (display name, account name, object id) stand for the
 *    object's UPN, so one person is one `User XXXX`: the one the incident card gives that UPN.
 * 2. A key whose name says device (device, host, computer, machine, …) holds a device:
 *    `Device XXXX`, one per host (`LT-LEE-83` and `lt-lee-83.contoso.com` are one device); a device
 *    id stands for the object's device name.
 * 3. Every other string, inside objects, arrays and strings that hold JSON: email addresses; the
 *    name in a profile path (`C:\Users\lee.gu\…`, `/home/lee/…`) or a OneDrive site
 *    (`/personal/lee_gu_contoso_com`); and, wherever it stands as a word, in any case and with any
 *    of `. _ -` or a space (or nothing) between its parts, every identity the result holds: the
 *    values of 1 and 2, the local part of every email address (so lee.gu also finds "Lee Gu") and
 *    the first and last names of display names.
 *
 * Identities are gathered from every row and from the query text (its user parameter) before any
 * row is rewritten, so a name in a free-text column is found however the row names its person.
 * Doubt falls on the side of hiding: a word that equals someone's first name becomes a pseudonym
 * too. Pure: the pseudonyms themselves come from the caller (Privacy: HMACs with the store's salt).
 */

export interface PseudonymNames {
  /** `User XXXX` for a person, by lower-case UPN (or whatever else is all that names them). */
  person(id: string): string;
  /** `Device XXXX` for a device, by lower-case host name (or id). */
  device(id: string): string;
}

export interface Pseudonymiser {
  /** The rows with every person and device replaced (any rows of the result the pseudonymiser was made for). */
  rows(rows: readonly Record<string, unknown>[]): Record<string, unknown>[];
  /** Text about the result (its KQL, its parameters) with the same replacements. */
  text(text: string): string;
}

type Kind = 'person' | 'device';
/** `text`: the key says its value is about someone or something (a domain, a type), not who or which. */
type KeyKind = Kind | 'text';

const PERSON_WORDS = ['upn', 'email', 'emails', 'mail', 'mailbox', 'account', 'accounts', 'user', 'users', 'username', 'recipient', 'recipients', 'sender', 'senders', 'manager', 'owner', 'owners', 'actor', 'principal', 'person', 'people', 'employee', 'author', 'creator', 'assignee', 'alias', 'surname', 'sid', 'by'];
/** Phrases that say person wherever they stand in a key, written as words or run together (`samaccountname`). */
const PERSON_PHRASES = ['displayname', 'objectid', 'firstname', 'lastname', 'givenname', 'fullname', 'accountname', 'emailaddress', 'mailaddress', 'principalname'];
const DEVICE_WORDS = ['device', 'devices', 'host', 'hostname', 'computer', 'computers', 'machine', 'machines', 'workstation', 'endpoint', 'netbios', 'fqdn'];
/**
 * A last word that makes the key describe the person or device rather than name it
 * (`AccountDomain`, `DeviceDestinationLocationType`, `MachineGroup`). Missing one here only
 * pseudonymises a value that needed no pseudonym.
 */
const ABOUT_WORDS = new Set([
  ...['domain', 'type', 'kind', 'count', 'role', 'roles', 'source', 'status', 'state', 'agent', 'group', 'groups', 'platform', 'os', 'version', 'category'],
  ...['location', 'country', 'language', 'subject', 'size', 'time', 'timestamp', 'date', 'department', 'title', 'risk', 'level', 'score', 'direction', 'action', 'reason', 'result', 'method', 'protocol', 'tags', 'flags'],
]);
/** Profile folders that belong to no one. */
const SHARED_PROFILES = new Set(['public', 'default', 'default user', 'all users', 'shared']);

/** `InitiatingProcessAccountUpn` → initiating, process, account, upn; `userPrincipalName`, `user_name` alike. */
function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** A word is one of the vocabulary, or (four letters or more) starts a word run together: `username`, `hostname`. */
const says = (word: string, vocabulary: readonly string[]) => vocabulary.some((v) => word === v || (v.length >= 4 && word.startsWith(v)));

/**
 * What a column or JSON key's name says its value identifies; undefined when it says nothing.
 * Person wins over device (`DeviceObjectId`): either way the value is hidden.
 */
export function keyKind(key: string): KeyKind | undefined {
  const words = keyWords(key);
  if (words.length === 0) return undefined;
  const person = words.some((w) => says(w, PERSON_WORDS)) || PERSON_PHRASES.some((phrase) => words.join('').includes(phrase));
  const device = words.some((w) => says(w, DEVICE_WORDS));
  if (!person && !device) return undefined;
  if (ABOUT_WORDS.has(words.at(-1)!)) return 'text';
  return person ? 'person' : 'device';
}

const EMAIL_SOURCE = String.raw`(?<![\p{L}\p{N}._%+!#^~\-])[\p{L}\p{N}_%+!#^~\-][\p{L}\p{N}._%+'!#^~\-]*@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+`;
/** A profile's name may hold up to two spaces when a separator follows it (`C:\Users\Lee Gu\`). */
const PROFILE_SOURCE = String.raw`(?<home>[\\/](?:users|home|documents and settings)[\\/])(?<profile>[^\\/\s"'<>|]+(?: [^\\/\s"'<>|]+){0,2}(?=[\\/])|[^\\/\s"'<>|]+)`;
const ONEDRIVE_SOURCE = String.raw`(?<site>/personal/)(?<owner>[^/?#\s"'<>]+)`;
const PLACES = new RegExp(`${PROFILE_SOURCE}|${ONEDRIVE_SOURCE}`, 'giu');
const EMAILS_AND_PLACES = new RegExp(`(?<email>${EMAIL_SOURCE})|${PROFILE_SOURCE}|${ONEDRIVE_SOURCE}`, 'giu');
const EMAILS = new RegExp(EMAIL_SOURCE, 'gu');
const ONE_EMAIL = new RegExp(`^${EMAIL_SOURCE}$`, 'u');
/** Device ids and Entra object ids: hex, perhaps in GUID groups. */
const ID_LIKE = /^[0-9a-f]{8,}(?:-[0-9a-f]{4,})*$/i;
/** Words are runs of letters and digits: `_` separates, so lee_gu is two words, as lee.gu is. */
const WORD = /[\p{L}\p{N}]+/gu;
/** What may stand between two words of one identity: lee.gu, Lee Gu, LEE_GU, lt-lee-83, O'Brien. */
const JOINER = /^[\s._'’-]+$/u;
/** The most words one identity is matched over (an FQDN, a OneDrive owner). */
const MAX_WORDS = 12;

const emailsIn = (text: string) => (text.includes('@') ? (text.match(EMAILS) ?? []) : []);
/**
 * Dictionary key: its words in lower case, run together. Case and separators never tell
 * identities apart, so lee.gu, Lee Gu, LEE_GU and LeeGu are one key.
 */
const keyOf = (term: string) => (term.match(WORD) ?? []).join('').toLowerCase();
/** `lt-lee-83.contoso.com` and `CONTOSO\LT-LEE-83` are the device `lt-lee-83`. */
function hostOf(name: string): string {
  const host = name.trim().toLowerCase().split('\\').at(-1) ?? '';
  return /^[\d.]+$/.test(host) || host.includes(':') ? host : (host.split('.')[0] ?? host);
}
/** First and last names: the letter-only words of a name (two letters or more). */
function nameParts(name: string): string[] {
  if (name.includes('@') || ID_LIKE.test(name.trim())) return [];
  const parts = name.split(/[\s._-]+/).filter((p) => /^\p{L}{2,}$/u.test(p));
  return parts.length > 1 ? parts : [];
}
/** A guest's UPN (jane_fabrikam.com#EXT#@contoso.onmicrosoft.com) has the guest's own local part first. */
function localPartOf(email: string): string {
  const local = email.slice(0, email.lastIndexOf('@'));
  return /#ext#$/i.test(local) ? local.slice(0, Math.max(0, local.lastIndexOf('_'))) : local;
}

/** Whom and which device an object is about, for the identifiers beside them. */
interface Anchors {
  person?: string;
  device?: string;
}

interface Leaves {
  person(value: string, anchors: Anchors): string;
  device(value: string, anchors: Anchors): string;
  text(value: string): string;
}

/** Walks a result's values with what their keys say; remembers parsed JSON and key kinds, as both passes ask again. */
class Reader {
  private readonly json = new Map<string, object | undefined>();
  private readonly kinds = new Map<string, KeyKind | undefined>();
  private readonly upnKeys = new Map<string, boolean>();

  kindOf(key: string): KeyKind | undefined {
    if (!this.kinds.has(key)) this.kinds.set(key, keyKind(key));
    return this.kinds.get(key);
  }

  /** `AccountUpn`, `UserPrincipalName`: the key to prefer when an object holds several addresses. */
  private saysUpn(key: string): boolean {
    let says = this.upnKeys.get(key);
    if (says === undefined) this.upnKeys.set(key, (says = keyWords(key).some((w) => w === 'upn' || w.includes('principal'))));
    return says;
  }

  /** A string holding a JSON object or array, parsed; undefined for any other string. */
  private jsonIn(text: string): object | undefined {
    const first = text.trimStart()[0];
    if (first !== '{' && first !== '[') return undefined;
    if (!this.json.has(text)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      this.json.set(text, parsed !== null && typeof parsed === 'object' ? parsed : undefined);
    }
    return this.json.get(text);
  }

  /** An object's own UPN (a key that says upn or principal first) and device name; else the ones it sits in. */
  private anchorsOf(object: Record<string, unknown>, inherited: Anchors, containerKind: Kind | undefined): Anchors {
    let upn: string | undefined;
    const emails = new Set<string>();
    let device: string | undefined;
    for (const key in object) {
      const value = object[key];
      if (typeof value !== 'string' || !value.trim()) continue;
      const kind = this.itemKind(key, containerKind);
      if (kind === 'person' && ONE_EMAIL.test(value.trim())) {
        const email = value.trim().toLowerCase();
        emails.add(email);
        if (!upn && this.saysUpn(key)) upn = email;
      }
      if (kind === 'device' && !device && !ID_LIKE.test(value.trim())) device = value;
    }
    return { person: upn ?? (emails.size === 1 ? [...emails][0] : undefined) ?? inherited.person, device: device ?? inherited.device };
  }

  /**
   * Every string in a value, with what its key says, through strings that hold JSON. Objects
   * lend their anchors to the objects inside them, not to array items (separate people or things).
   */
  walk(value: unknown, kind: Kind | undefined, anchors: Anchors, leaves: Leaves, nested: boolean): unknown {
    if (typeof value === 'string') {
      const parsed = this.jsonIn(value);
      if (parsed) return JSON.stringify(this.walk(parsed, kind, anchors, leaves, true));
      if (!value.trim()) return value;
      return kind === 'person' ? leaves.person(value, anchors) : kind === 'device' ? leaves.device(value, anchors) : leaves.text(value);
    }
    if (Array.isArray(value)) return value.map((item) => this.walk(item, kind, {}, leaves, true));
    if (value !== null && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      const own = this.anchorsOf(object, anchors, kind);
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(object)) {
        // Keys inside dynamic values may be data (a bag by user); column names are the schema.
        out[nested ? leaves.text(key) : key] = this.walk(item, this.itemKind(key, kind), own, leaves, true);
      }
      return out;
    }
    return value;
  }

  /** A key's kind; a key that says nothing takes its container's (the name inside `Manager: {…}`). */
  private itemKind(key: string, container: Kind | undefined): Kind | undefined {
    const said = this.kindOf(key);
    return said === 'text' ? undefined : (said ?? container);
  }
}

export function pseudonymiser(source: { rows: readonly Record<string, unknown>[]; texts?: readonly string[] }, names: PseudonymNames): Pseudonymiser {
  const reader = new Reader();
  // An HMAC per occurrence would cost more than the rest of the rule on a large result.
  const cached = (make: (id: string) => string) => {
    const labels = new Map<string, string>();
    return (id: string) => {
      let label = labels.get(id);
      if (label === undefined) labels.set(id, (label = make(id)));
      return label;
    };
  };
  const person = cached(names.person);
  const device = cached(names.device);

  // Pass 1: who and what the result names, and how.
  const emails = new Set<string>();
  /** Display names, account names, object ids → the UPN of the object they were found in. */
  const anchored = new Map<string, string>();
  const loose = new Set<string>();
  /** Profile and OneDrive owners: no name parts (lee_gu_contoso_com would make "contoso" a person). */
  const owners = new Set<string>();
  const deviceNames = new Set<string>();
  const deviceIds = new Map<string, string | undefined>();
  const gathering: Leaves = {
    person(value, anchors) {
      const found = emailsIn(value);
      for (const email of found) emails.add(email.toLowerCase());
      const id = value.trim();
      if (found.length === 0 && anchors.person && !anchored.has(id)) anchored.set(id, anchors.person);
      else if (found.length === 0 && !anchors.person) loose.add(id);
      return value;
    },
    device(value, anchors) {
      const id = value.trim();
      if (!ID_LIKE.test(id)) deviceNames.add(id);
      else if (!deviceIds.get(id)) deviceIds.set(id, anchors.device);
      return value;
    },
    text(value) {
      for (const email of emailsIn(value)) emails.add(email.toLowerCase());
      if (value.includes('/') || value.includes('\\')) {
        for (const place of value.matchAll(PLACES)) {
          const owner = place.groups?.profile ?? place.groups?.owner;
          if (owner && !SHARED_PROFILES.has(owner.toLowerCase())) owners.add(owner);
        }
      }
      return value;
    },
  };
  for (const row of source.rows) reader.walk(row, undefined, {}, gathering, false);
  for (const text of source.texts ?? []) reader.walk(text, undefined, {}, gathering, false);

  // The dictionary: each identity's key → its label, the first (strongest) claim winning.
  const dictionary = new Map<string, string>();
  let maxWords = 1;
  const claim = (term: string, label: string) => {
    const key = keyOf(term);
    // A number alone ("10") would turn every "10" into a person: an identity has a letter, or is long.
    if (key.length < 2 || !(/\p{L}/u.test(key) || key.length >= 6)) return;
    if (!dictionary.has(key)) dictionary.set(key, label);
    maxWords = Math.min(MAX_WORDS, Math.max(maxWords, term.match(WORD)?.length ?? 1));
  };
  const claimWithParts = (term: string, label: string) => {
    claim(term, label);
    for (const part of nameParts(term)) claim(part, label);
  };
  for (const email of emails) {
    const label = person(email);
    claim(email, label);
    claimWithParts(localPartOf(email), label);
  }
  for (const [value, upn] of anchored) claimWithParts(value, person(upn));
  for (const value of loose) claimWithParts(value, dictionary.get(keyOf(value)) ?? person(value));
  for (const owner of owners) claim(owner, dictionary.get(keyOf(owner)) ?? person(owner));
  for (const name of deviceNames) {
    const label = device(hostOf(name));
    claim(name, label);
    claim(hostOf(name), label);
  }
  for (const [id, name] of deviceIds) claim(id, device(name ? hostOf(name) : id.toLowerCase()));

  // Pass 2: rewrite.
  /** Each longest run of words the dictionary knows becomes its label ("Lee Gu" before "Lee"). */
  const knownWords = (text: string): string => {
    const words = [...text.matchAll(WORD)];
    let out = '';
    let done = 0;
    let i = 0;
    while (i < words.length) {
      const first = words[i]!;
      let key = '';
      let match: { last: number; label: string } | undefined;
      for (let j = i; j < words.length && j < i + maxWords; j++) {
        const word = words[j]!;
        const previous = words[j - 1];
        if (j > i && previous && !JOINER.test(text.slice(previous.index + previous[0].length, word.index))) break;
        key += word[0].toLowerCase();
        const label = dictionary.get(key);
        if (label !== undefined) match = { last: j, label };
      }
      if (!match) {
        i++;
        continue;
      }
      const last = words[match.last]!;
      out += text.slice(done, first.index) + match.label;
      done = last.index + last[0].length;
      i = match.last + 1;
    }
    return out + text.slice(done);
  };
  const ownerLabel = (owner: string) => (SHARED_PROFILES.has(owner.toLowerCase()) ? owner : (dictionary.get(keyOf(owner)) ?? person(owner)));
  /** Email addresses and the owners of profile paths and OneDrive sites first; known words in what is left. */
  const text = (value: string): string => {
    let out = '';
    let done = 0;
    for (const found of value.matchAll(EMAILS_AND_PLACES)) {
      const groups = found.groups ?? {};
      const replacement = groups.email ? person(groups.email.toLowerCase()) : groups.home && groups.profile ? groups.home + ownerLabel(groups.profile) : (groups.site ?? '') + ownerLabel(groups.owner ?? '');
      out += knownWords(value.slice(done, found.index)) + replacement;
      done = found.index + found[0].length;
    }
    return out + knownWords(value.slice(done));
  };
  const rewriting: Leaves = {
    person(value, anchors) {
      const found = [...new Set(emailsIn(value).map((e) => e.toLowerCase()))];
      if (found.length > 0) return found.map(person).join('; ');
      if (anchors.person) return person(anchors.person);
      return dictionary.get(keyOf(value)) ?? person(value.trim());
    },
    device(value, anchors) {
      const id = value.trim();
      if (!ID_LIKE.test(id)) return device(hostOf(id));
      return anchors.device ? device(hostOf(anchors.device)) : (dictionary.get(keyOf(id)) ?? device(id.toLowerCase()));
    },
    text,
  };
  return {
    rows: (rows) => rows.map((row) => reader.walk(row, undefined, {}, rewriting, false) as Record<string, unknown>),
    text: (value) => reader.walk(value, undefined, {}, rewriting, false) as string,
  };
}
