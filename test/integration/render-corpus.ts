// The differential corpus of render-differential.test.ts: templates rendered by both
// `bao agent` and Strongbox from the same data, which must agree byte for byte.

/** name → template. Secrets live at secret/diff/app (KV v2) and kv/legacy (KV v1). */
export const CORPUS: Record<string, string> = {
  "go string escapes": `{{ "'\\\\''" }}|{{ "C:\\\\Users" }}|{{ "tab\\there" }}|{{ "\\x41\\u00e9\\U0001F30D\\101" }}|{{ \`raw \\n\` }}\n`,
  "printf %q of quotes, backslashes and control characters": `{{ with secret "secret/data/diff/app" }}{{ printf "%q" .Data.data.tricky }}{{ end }}\n`,
  "printf verbs: %s %d %v %5s %-5s| %x": `{{ printf "%s %d %v [%5s] [%-5s] %x" "a" 42 "v" "r" "l" "hi" }}\n`,
  "printf: flags, widths, precisions and every numeric verb": `{{ printf "%05d|%+d|%x|%X|%o|%b|%8.3f|%e|%g|%t|%c|%%|%5.2s|%-6d|%#x|% d" 42 7 255 255 8 5 3.14159 1234.5678 0.000012 true 65 "abcdef" 3 255 9 }}\n`,
  "printf: missing, extra and mistyped arguments": `{{ printf "%d %d" 1 }}|{{ printf "%d" 1 2 }}|{{ printf "%d" "x" }}|{{ printf "%s" 5 }}|{{ printf "%t" "no" }}\n`,
  "%q of non-printable and non-ASCII runes": `{{ printf "%q" "nbsp\u00a0ls\u2028del\x7fvt\vé🌍" }}\n`,
  "printing a map and a list the way Go prints them": `{{ with secret "secret/data/diff/app" }}{{ .Data.data }}{{ end }}|{{ printf "%v" 2.5 }}\n`,
  "toJSON of line separators": `{{ "a\u2028b\u2029c" | toJSON }}\n`,
  "string functions, the piped value last": `{{ "Hello, Wörld ß" | toUpper }}|{{ "HeLLo ÀB" | toLower }}|{{ "hello wide-world don't stop" | toTitle }}|{{ "  \\t padded \\n" | trimSpace }}|{{ "xxhixx" | trim "x" }}|{{ "prefix-body" | trimPrefix "prefix-" }}|{{ "body.txt" | trimSuffix ".txt" }}|{{ "a-b-c" | replaceAll "-" "+" }}\n`,
  "regular expressions": `{{ "db-01.prod.internal" | regexReplaceAll "^([a-z]+)-(\\\\d+)" "$2-$1" }}|{{ "v1.2.3" | regexMatch "^v\\\\d+\\\\.\\\\d+" }}|{{ "name=app" | regexReplaceAll "(?P<k>\\\\w+)=(?P<v>\\\\w+)" "\${v}:\${k}" }}\n`,
  "split, join, contains, in and the contains family": `{{ $l := split "," "a,b,c" }}{{ join ";" $l }}|{{ len (split "," "  ") }}|{{ contains "b" $l }}|{{ in $l "z" }}|{{ "haystack" | contains "st" }}|{{ containsAll (parseJSON "[\\"a\\",\\"b\\"]") $l }}|{{ containsAny (parseJSON "[\\"x\\",\\"c\\"]") $l }}|{{ containsNone (parseJSON "[\\"x\\"]") $l }}|{{ containsNotAll (parseJSON "[\\"a\\",\\"x\\"]") $l }}\n`,
  indent: `{{ "line one\\nline two\\n\\nafter blank" | indent 4 }}|\n`,
  "encodings and digests": `{{ "subjects?_d" | base64URLEncode }}|{{ "c3ViamVjdHM_X2Q=" | base64URLDecode }}|{{ "abc" | sha256Hex }}|{{ "abc" | md5sum }}\n`,
  parsing: `{{ parseBool "true" }} {{ parseBool "" }} {{ parseInt "-42" }} {{ parseUint "7" }} {{ parseFloat "2.5" }} {{ (parseJSON "{\\"b\\":[1,2],\\"a\\":\\"x\\"}").a }} {{ parseJSON "{\\"b\\":[1,2],\\"a\\":\\"x\\"}" }}\n`,
  arithmetic: `{{ add 1 2 }} {{ subtract 1 5 }} {{ multiply 3 4 }} {{ divide 2 7 }} {{ modulo 3 10 }} {{ minimum 3 9 }} {{ maximum 3 9 }} {{ 10 | subtract 4 }} {{ add 0.5 1 }} {{ divide 2.0 7.5 }}\n`,
  "loop and envOrDefault": `{{ range loop 3 }}{{ . }},{{ end }}|{{ range $i := loop 2 5 }}{{ $i }};{{ end }}|{{ envOrDefault "MODE" "d" }}|{{ envOrDefault "UNSET_VAR" "fallback" }}\n`,
  "floats printed the way Go prints them": `{{ printf "%v|%v|%v|%v" 1234567.5 0.1 100.25 0.00001 }}\n`,
  "variable scopes: := in a block stays there, = in a range changes the outer variable": `{{ $x := "outer" }}{{ with "v" }}{{ $x := "inner" }}{{ $x }}{{ end }}|{{ $x }}|{{ range loop 2 }}{{ $x = "changed" }}{{ end }}{{ $x }}|{{ if true }}{{ $x = "in-if" }}{{ end }}{{ $x }}\n`,
  "len counts bytes; index of a missing key prints <no value>": `{{ len "héllo" }}|{{ len "🌍" }}|{{ index (parseJSON "{\\"a\\":1}") "b" }}|{{ index (parseJSON "{\\"a\\":1}") "a" }}\n`,
  "define, template and block": `{{ define "item" }}[{{ . }}]{{ end }}{{ template "item" "x" }}{{ range loop 3 }}{{ template "item" . }}{{ end }}|{{ block "b" "y" }}<{{ . }}>{{ end }}|{{ template "noarg" }}{{ define "noarg" }}dot:{{ . }}{{ end }}\n`,
  "break and continue": `{{ range loop 5 }}{{ if eq . 3 }}{{ break }}{{ end }}{{ if eq . 1 }}{{ continue }}{{ end }}{{ . }},{{ end }}|{{ range $i := loop 3 }}a{{ if eq $i 1 }}b{{ continue }}{{ end }}c{{ end }}\n`,
  "trim markers trim ASCII white space only": `a \u00a0\t {{- "b" -}} \n\u00a0c|{{ . }}\n`,
  "scratch and executeTemplate": `{{ scratch.Set "a" "1" }}{{ scratch.SetX "a" "2" }}{{ scratch.Get "a" }}|{{ scratch.Key "a" }} {{ scratch.Key "b" }}|{{ scratch.MapSet "m" "z" "last" }}{{ scratch.MapSet "m" "a" "first" }}{{ scratch.MapSetX "m" "a" "ignored" }}{{ scratch.MapValues "m" }}|{{ define "greet" }}hi {{ . }}{{ end }}{{ executeTemplate "greet" "you" }}|{{ executeTemplate "greet" | toUpper }}\n`,
  "parseYAML and toYAML": `{{ $y := parseYAML "b: [1, two]\\na: yes\\nc: {d: 1.5}" }}{{ $y.a }} {{ $y.b }}|{{ $y | toYAML }}|{{ parseJSON "{\\"s\\":\\"true\\",\\"n\\":\\"123\\",\\"plain\\":\\"word\\"}" | toYAML }}\n`,
  file: `{{ file "@DIR@/data.txt" }}|{{ file "@DIR@/data.txt" | trimSpace | split "\\n" | len }}\n`,
  "timestamp with Go layouts (the parts that do not change during a test run)": `{{ timestamp "2006 Jan January 01 1 MST Z07:00 -0700" }}|{{ len (timestamp) }}|{{ len (timestamp "unix") }}\n`,
  "toUnescapedJSON and mustEnv": `{{ with secret "secret/data/diff/app" }}{{ .Data.data.html | toUnescapedJSON }}|{{ .Data.data | toUnescapedJSONPretty }}{{ end }}|{{ "a\\u2028b" | toUnescapedJSON }}|{{ mustEnv "MODE" }}\n`,
  "env file from KV v2 with else fallbacks": `{{ with secret "secret/data/diff/app" }}DB={{ .Data.data.db }}
MISSING={{ with .Data.data.nope }}{{ . }}{{ else }}fallback{{ end }}
VERSION={{ .Data.metadata.version }}
{{ end }}`,
  "KV v1": `{{ with secret "kv/legacy" }}OLD={{ .Data.old }}{{ end }}\n`,
  "toJSON escapes <, > and & as Go does": `{{ with secret "secret/data/diff/app" }}{{ .Data.data.html | toJSON }}{{ end }}\n`,
  "toJSONPretty of an object": `{{ with secret "secret/data/diff/app" }}{{ .Data.data | toJSONPretty }}{{ end }}\n`,
  "base64 round trip": `{{ "hello, world" | base64Encode }} {{ "aGVsbG8=" | base64Decode }}\n`,
  "index, len, eq, ne, and, or, not": `{{ with secret "secret/data/diff/app" }}{{ index .Data.data "db" }} {{ len .Data.data.db }} {{ eq .Data.data.db "postgres://app@db/app" }} {{ ne 1 2 }} {{ and 1 0 }} {{ or 0 "x" }} {{ not true }}{{ end }}\n`,
  "range over a map in key order, with variables": `{{ with secret "secret/data/diff/app" }}{{ range $k, $v := .Data.data }}{{ $k }}={{ $v }};{{ end }}{{ end }}\n`,
  "trim markers": `a  {{- " b " -}}  c\n{{- /* a comment */ -}}\nd\n`,
  "if / else if / else": `{{ if eq (env "MODE") "x" }}x{{ else if eq (env "MODE") "prod" }}prod{{ else }}other{{ end }}\n`,
};

export const VALUES = {
  db: "postgres://app@db/app",
  tricky: 'say "hi"\\path\ttab\u0007bell',
  html: "<a href='x'>&</a>",
  unicode: "héllo 🌍",
};
