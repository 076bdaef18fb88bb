// The differential corpus of render-differential.test.ts: templates rendered by both
// `bao agent` and Strongbox from the same data, which must agree byte for byte.

/**
 * name → template. Secrets live at secret/diff/app (KV v2) and kv/legacy (KV v1); a
 * Transit key `diffkey` and a PKI role `web` (for app.example.com) exist. A template
 * using pkiCert finds its destination already holding a certificate (see the test).
 */
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
  "sprig strings": `{{ sprig_upper "abc é" }}|{{ sprig_lower "ABC" }}|{{ sprig_title "hello wOrld don't-stop_x 3rd" }}|{{ sprig_untitle "Hello" }}|{{ sprig_trim "  x  " }}|{{ sprig_trimAll "$" "$$5.00$" }}|{{ sprig_trimPrefix "pre" "prefix" }}|{{ sprig_trimSuffix "fix" "prefix" }}|{{ sprig_nospace "a b\\tc" }}|{{ sprig_repeat 3 "ab" }}|{{ sprig_substr 1 4 "abcdef" }}|{{ sprig_trunc 3 "abcdef" }}|{{ sprig_trunc -2 "abcdef" }}\n`,
  "sprig quote, cat, indent, replace, plural": `{{ sprig_quote "a\\"b" 3 }}|{{ sprig_squote "x" 1.5 }}|{{ sprig_cat "a" 1 true }}|{{ sprig_indent 2 "l1\\nl2" }}|{{ sprig_nindent 2 "x" }}|{{ sprig_replace "a" "o" "banana" }}|{{ sprig_plural "one" "many" 1 }} {{ sprig_plural "one" "many" 2 }}|{{ sprig_initials "First Last" }}|{{ sprig_swapcase "aBc" }}|{{ sprig_contains "an" "banana" }} {{ sprig_hasPrefix "ba" "banana" }} {{ sprig_hasSuffix "na" "banana" }}\n`,
  "sprig digests and encodings": `{{ sprig_sha1sum "abc" }}|{{ sprig_sha256sum "abc" }}|{{ sprig_adler32sum "Wikipedia" }}|{{ sprig_b64enc "hi there" }}|{{ sprig_b64dec "aGkgdGhlcmU=" }}|{{ sprig_b64dec "!!" }}|{{ sprig_b32enc "hello" }}\n`,
  "sprig conversions": `{{ sprig_atoi "42" }} {{ sprig_atoi "x" }} {{ sprig_int "12" }} {{ sprig_int64 3.9 }} {{ sprig_float64 "2.5" }} {{ sprig_toString 12 }} {{ sprig_toDecimal "777" }} {{ sprig_toStrings (sprig_list 1 "a" true) }} {{ sprig_int "0x1F" }}\n`,
  "sprig split, splitList, splitn, join, sortAlpha": `{{ $s := sprig_split "$" "foo$bar$baz" }}{{ $s._0 }} {{ $s._2 }}|{{ sprig_splitList "," "a,b,,c" }}|{{ (sprig_splitn "," 2 "a,b,c")._1 }}|{{ sprig_join "-" (sprig_list "x" 2 "z") }}|{{ sprig_sortAlpha (sprig_list "b" "C" "a") }}\n`,
  "sprig ranges: until, untilStep, seq": `{{ sprig_until 3 }}|{{ sprig_until -2 }}|{{ sprig_untilStep 1 10 3 }}|{{ sprig_seq 3 }}|{{ sprig_seq 2 5 }}|{{ sprig_seq 0 }}|{{ sprig_seq 10 -3 1 }}|{{ sprig_seq 1 2 7 }}\n`,
  "sprig integer arithmetic": `{{ sprig_add1 5 }} {{ sprig_add 1 2 3 }} {{ sprig_sub 10 4 }} {{ sprig_div 7 2 }} {{ sprig_mod 7 3 }} {{ sprig_mul 2 3 4 }} {{ sprig_max 1 9 3 }} {{ sprig_min 4 2 8 }} {{ sprig_biggest 3 7 }} {{ sprig_add "3" 4 }}\n`,
  "sprig float helpers": `{{ sprig_maxf 1.5 2.5 }} {{ sprig_minf 1.5 2.5 }} {{ sprig_ceil 1.2 }} {{ sprig_floor 1.8 }} {{ sprig_round 3.14159 2 }} {{ sprig_round 2.5 0 }}\n`,
  "sprig defaults": `{{ sprig_default "d" "" }} {{ sprig_default "d" "given" }} {{ sprig_empty "" }} {{ sprig_empty 0 }} {{ sprig_empty "x" }} {{ sprig_coalesce "" 0 "first" "second" }} {{ sprig_all 1 "a" }} {{ sprig_any "" 0 }} {{ sprig_ternary "yes" "no" true }} {{ sprig_compact (sprig_list "a" "" "b") }}\n`,
  "or and sprig_default over a missing key, as vault-agent has them": `{{ with secret "secret/data/diff/app" }}{{ or .Data.data.nope "fallback" }}|{{ .Data.data.nope | sprig_default "piped" }}|{{ sprig_default "d2" .Data.data.nope }}|{{ or .Data.data.db "x" }}{{ end }}\n`,
  "sprig JSON": `{{ sprig_toJson (sprig_dict "b" "<&>" "a" 1) }}|{{ sprig_toRawJson (sprig_dict "h" "<&>") }}|{{ sprig_toPrettyJson (sprig_dict "k" (sprig_list 1 2)) }}|{{ (sprig_fromJson "{\\"a\\":{\\"b\\":\\"c\\"}}").a.b }}|{{ sprig_fromJson "not json" }}\n`,
  "sprig types": `{{ sprig_typeOf "s" }} {{ sprig_typeOf 1 }} {{ sprig_typeOf 1.5 }} {{ sprig_typeOf true }} {{ sprig_kindOf "s" }} {{ sprig_kindOf (sprig_list) }} {{ sprig_kindOf (sprig_dict) }} {{ sprig_kindIs "int" 3 }} {{ sprig_typeIs "string" "x" }} {{ sprig_deepEqual (sprig_list 1 2) (sprig_list 1 2) }}\n`,
  "sprig paths": `{{ sprig_base "/a/b/c.txt" }} {{ sprig_dir "/a/b/c.txt" }} {{ sprig_clean "/a/../b//c/." }} {{ sprig_ext "c.tar.gz" }} {{ sprig_isAbs "/x" }} {{ sprig_base "" }} {{ sprig_dir "file" }} {{ sprig_clean "../../x/y/.." }}\n`,
  "sprig dictionaries": `{{ $d := sprig_dict "b" 2 "a" 1 "c" 3 }}{{ sprig_get $d "a" }}|{{ sprig_get $d "zz" }}|{{ sprig_hasKey $d "b" }}|{{ sprig_keys $d | sprig_sortAlpha }}|{{ sprig_pick $d "a" "c" }}|{{ sprig_omit $d "a" }}|{{ $_ := sprig_set $d "d" 4 }}{{ $d }}|{{ $_ := sprig_unset $d "b" }}{{ $d }}|{{ sprig_pluck "a" $d (sprig_dict "a" 9) }}|{{ sprig_dig "x" "y" "none" (sprig_dict "x" (sprig_dict "y" "deep")) }}\n`,
  "sprig merge and mergeOverwrite": `{{ $dst := sprig_dict "a" 1 "nested" (sprig_dict "x" "keep") }}{{ $src := sprig_dict "a" 2 "b" 3 "nested" (sprig_dict "x" "new" "y" "add") }}{{ sprig_merge $dst $src }}|{{ sprig_mergeOverwrite (sprig_dict "a" 1 "e" "keep") (sprig_dict "a" 5 "e" "") }}\n`,
  "sprig lists": `{{ $l := sprig_list 1 2 3 2 1 }}{{ sprig_first $l }} {{ sprig_last $l }} {{ sprig_rest $l }} {{ sprig_initial $l }} {{ sprig_reverse $l }} {{ sprig_uniq $l }} {{ sprig_without $l 1 }} {{ sprig_has 3 $l }} {{ sprig_slice $l 1 3 }} {{ sprig_concat $l (sprig_list "x") }} {{ sprig_append $l 9 }} {{ sprig_prepend $l 0 }} {{ sprig_chunk 2 $l }} {{ len (sprig_list) }}\n`,
  "sprig regular expressions": `{{ sprig_regexMatch "^[a-z]+$" "abc" }} {{ sprig_regexFind "[0-9]+" "ab12cd34" }} {{ sprig_regexFindAll "[0-9]" "a1b2c3" -1 }} {{ sprig_regexFindAll "[0-9]" "a1b2c3" 2 }} {{ sprig_regexReplaceAll "a(x*)b" "-ab-axxb-" "\${1}W" }} {{ sprig_regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "\${1}" }} {{ sprig_regexSplit "z+" "pizza" -1 }} {{ sprig_regexSplit "a" "banana" 2 }} {{ sprig_regexQuoteMeta "1.5+[x]" }}\n`,
  "sprig_env and sprig_expandenv under the credential rule": `{{ sprig_env "MODE" }}|{{ sprig_expandenv "mode=$MODE and \${MODE}!" }}|{{ sprig_hello }}\n`,
  "toTOML of nested data": `{{ parseJSON "{\\"title\\":\\"x\\",\\"owner\\":{\\"name\\":\\"Tom\\",\\"dob\\":\\"1979\\"},\\"ports\\":[8000,8001],\\"servers\\":[{\\"name\\":\\"a\\"},{\\"name\\":\\"b\\"}],\\"db\\":{\\"conn\\":{\\"max\\":5,\\"on\\":true}},\\"odd key\\":\\"q\\\\\\"t\\",\\"ratio\\":1.5,\\"empty\\":{}}" | toTOML }}\n`,
  "toTOML of a secret's data": `{{ with secret "secret/data/diff/app" }}{{ .Data.data | toTOML }}{{ end }}\n`,
  "full response shape: KV v2 metadata, lease fields": `{{ with secret "secret/data/diff/app" }}{{ .LeaseDuration }} {{ .Renewable }} [{{ .LeaseID }}] {{ .Data.metadata.version }} {{ .Data.metadata.destroyed }} {{ .Data.metadata.deletion_time }} {{ len .Data.metadata.created_time }} {{ .Data.metadata.custom_metadata }} {{ .Warnings }}{{ end }}\n`,
  "KV v1 lease fields": `{{ with secret "kv/legacy" }}{{ .LeaseDuration }} {{ .Renewable }} [{{ .LeaseID }}]{{ end }}\n`,
  "secret with a version query and a metadata path": `{{ with secret "secret/data/diff/app?version=1" }}{{ .Data.metadata.version }} {{ .Data.data.db }}{{ end }}|{{ with secret "secret/metadata/diff/app" }}{{ .Data.current_version }} {{ .Data.max_versions }}{{ end }}|{{ with secret "secret/diff/app" }}{{ .Data.data.db }}{{ end }}\n`,
  "secret with write parameters: Transit HMAC and hash": `{{ with secret "transit/hmac/diffkey" "input=aGVsbG8=" }}{{ .Data.hmac }}{{ end }}|{{ with secret "transit/hash" "input=aGVsbG8=" " algorithm = sha2-512 " }}{{ .Data.sum }}{{ end }}\n`,
  "a non-KV read: a Transit key's description": `{{ with secret "transit/keys/diffkey" }}{{ .Data.name }} {{ .Data.type }} {{ .Data.exportable }} {{ .Data.latest_version }}{{ end }}\n`,

  "nginx upstream snippet": `upstream app {
{{- range $i, $port := sprig_list 8001 8002 8003 }}
    server 127.0.0.1:{{ $port }} weight={{ add $i 1 }};
{{- end }}
}
server {
    listen 443 ssl;
    server_name {{ envOrDefault "SERVER_NAME" "app.example.com" }};
{{ with secret "secret/data/diff/app" }}    set $db_dsn "{{ .Data.data.db | replaceAll "\\"" "\\\\\\"" }}";{{ end }}
}
`,
  "HAProxy backend with printf alignment": `backend app
{{- range $i, $name := split "," "web-a,web-b,web-c" }}
    {{ printf "server %-8s 10.0.0.%d:%d check inter %ds" $name (add $i 10) 8080 2 }}
{{- end }}
`,
  "Kubernetes Secret manifest with base64 data": `apiVersion: v1
kind: Secret
metadata:
  name: app
type: Opaque
data:
{{- with secret "secret/data/diff/app" }}
{{- range $k, $v := .Data.data }}
  {{ $k }}: {{ $v | base64Encode }}
{{- end }}
{{- end }}
`,
  "docker-compose environment block": `services:
  app:
    image: app:{{ envOrDefault "TAG" "latest" }}
    environment:
{{- with secret "secret/data/diff/app" }}
      DATABASE_URL: {{ .Data.data.db | toJSON }}
      UNICODE: {{ .Data.data.unicode | toJSON }}
{{- end }}
      MODE: {{ env "MODE" | toUpper }}
`,
  "Java properties with escaped values": `{{ with secret "secret/data/diff/app" -}}
db.url={{ .Data.data.db | replaceAll ":" "\\\\:" | replaceAll "=" "\\\\=" }}
app.html={{ .Data.data.html | regexReplaceAll "([=:#!])" "\\\\$1" }}
{{ end -}}
app.mode={{ env "MODE" }}
`,
  "JSON config assembled with scratch": `{{ scratch.MapSet "cfg" "mode" (env "MODE") }}{{ with secret "secret/data/diff/app" }}{{ scratch.MapSet "cfg" "db" .Data.data.db }}{{ scratch.MapSet "cfg" "html" .Data.data.html }}{{ end }}{{ scratch.Get "cfg" | toJSONPretty }}
`,
  "YAML config from parseYAML and toYAML": `{{ $base := parseYAML "server:\\n  port: 8080\\n  hosts: [a, b]\\nlog: info" }}{{ $base | toYAML }}
---
{{ with secret "secret/data/diff/app" }}{{ .Data.data | toYAML }}{{ end }}
`,
  "env file with defaults, quoting and a conditional": `{{ with secret "secret/data/diff/app" -}}
DATABASE_URL={{ .Data.data.db | printf "%q" }}
TRICKY='{{ .Data.data.tricky | replaceAll "'" "'\\\\''" }}'
OPTIONAL={{ or .Data.data.optional "unset" }}
{{ if .Data.data.html }}HAS_HTML=1{{ else }}HAS_HTML=0{{ end }}
{{ end -}}
`,
  "systemd drop-in with indent and trimSpace": `[Service]
{{ "Environment=A=1\\nEnvironment=B=2" | indent 0 }}
{{ with secret "kv/legacy" }}Environment=OLD={{ .Data.old | trimSpace }}{{ end }}
`,
  "TOML application config": `{{ with secret "secret/data/diff/app" }}{{ $cfg := sprig_dict "database" (sprig_dict "url" .Data.data.db "pool" 5) "app" (sprig_dict "mode" (env "MODE")) }}{{ $cfg | toTOML }}{{ end }}
`,
  "nested templates passing a secret to define": `{{ define "kv" }}{{ range $k, $v := . }}{{ $k }}="{{ $v }}"
{{ end }}{{ end }}{{ with secret "secret/data/diff/app" }}{{ template "kv" .Data.data }}{{ end }}`,
  "comments and whitespace control": `{{/* leading comment */}}a
{{- /* trimmed comment */ -}}
b {{ "c" }}
{{- "d" }} {{ "e" -}}
   f
`,
  "len, index and slices of secret lists": `{{ $l := split "," "x,y,z" }}{{ index $l 1 }} {{ len $l }} {{ index (sprig_list (sprig_dict "k" "deep")) 0 "k" }}
`,
  "eq with several arguments, lt/gt style via arithmetic": `{{ if eq (env "MODE") "dev" "prod" "staging" }}known{{ end }} {{ if gt 3 2 }}gt{{ end }} {{ if lt 1 2 }}lt{{ end }} {{ if le 2 2 }}le{{ end }} {{ if ge 1 2 }}ge{{ else }}not-ge{{ end }}
`,
  "printf %v of lists and maps from secrets and parseJSON": `{{ printf "%v|%v|%d|%5.1f|%s" (parseJSON "[1,\\"a\\",true,null]") (parseJSON "{\\"n\\":1000000,\\"f\\":0.5}") 7 3.14159 (sprig_list "a" "b") }}
`,
  "html-looking values stay as they are outside toJSON": `{{ with secret "secret/data/diff/app" }}{{ .Data.data.html }}|{{ .Data.data.html | toJSON }}|{{ .Data.data.unicode | len }}{{ end }}
`,
  "pkiCert keeps the certificate in its destination, sorted and re-encoded": `{{ with pkiCert "pki/issue/web" "common_name=app.example.com" "ttl=1h" }}{{ .Cert }}{{ .Key }}{{ .CA }}{{ end }}`,
  "binary secrets: base64Decode keeps the bytes, and every function sees bytes": `{{ with secret "secret/data/diff/app" }}{{ .Data.data.bin | base64Decode }}|{{ .Data.data.bin | base64Decode | len }}|{{ .Data.data.bin | base64Decode | printf "%q" }}|{{ .Data.data.bin | base64Decode | toJSON }}|{{ .Data.data.bin | base64Decode | base64Encode }}|{{ .Data.data.bin | base64Decode | sha256Hex }}|{{ .Data.data.bin | base64Decode | toUpper | printf "%q" }}|{{ .Data.data.bin | base64Decode | sprig_trunc 3 | printf "%x" }}|{{ .Data.data.bin | base64Decode | sprig_b64enc }}{{ end }}\n`,
  "a binary file": `{{ file "@DIR@/binary.bin" | base64Encode }}|{{ file "@DIR@/binary.bin" | len }}|{{ file "@DIR@/binary.bin" }}\n`,
};

/** Bytes that are not UTF-8 (0xff, a lone continuation byte, a cut sequence, an encoded surrogate) around valid ones. */
export const BINARY = Buffer.from([
  0x00, 0xff, 0xfe, 0x80, 0x41, 0xc3, 0x28, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x8c, 0x0a, 0xed, 0xa0,
  0x80, 0xc3, 0xa9,
]);

export const VALUES = {
  bin: BINARY.toString("base64"),
  db: "postgres://app@db/app",
  tricky: 'say "hi"\\path\ttab\u0007bell',
  html: "<a href='x'>&</a>",
  unicode: "héllo 🌍",
};
