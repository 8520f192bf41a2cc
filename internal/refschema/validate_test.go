package refschema

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A small schema directory in the reference's layout, with definitions
// for each rule of the validator.
const testClientRequests = `{
  "oneOf": [
    {
      "properties": {
        "id": {"type": "integer"},
        "method": {"enum": ["demo/run"], "type": "string"},
        "params": {"$ref": "#/definitions/DemoRunParams"}
      },
      "required": ["id", "method", "params"],
      "type": "object"
    },
    {
      "properties": {
        "id": {"type": "integer"},
        "method": {"enum": ["demo/stop"], "type": "string"},
        "params": {"anyOf": [{"$ref": "#/definitions/DemoStopParams"}, {"type": "null"}]}
      },
      "required": ["id", "method"],
      "type": "object"
    }
  ],
  "definitions": {
    "DemoRunParams": {
      "properties": {
        "name": {"minLength": 1, "type": "string"},
        "mode": {"allOf": [{"$ref": "#/definitions/Mode"}], "description": "How to run."},
        "count": {"format": "uint8", "minimum": 0, "type": ["integer", "null"]},
        "labels": {"additionalProperties": {"type": "string"}, "type": "object"},
        "extra": {"additionalProperties": true, "properties": {"a": {"type": "string"}}, "type": "object"},
        "free": {"type": "object"},
        "closed": {"additionalProperties": false, "properties": {"a": {"type": "string"}}, "type": "object"},
        "never": false,
        "version": {"enum": [1], "type": "integer"},
        "shape": {"$ref": "#/definitions/Shape"},
        "source": {"$ref": "#/definitions/Source"},
        "body": {"$ref": "#/definitions/Body"}
      },
      "required": ["name"],
      "type": "object"
    },
    "DemoStopParams": {"properties": {"force": {"type": "boolean"}}, "type": "object"},
    "Mode": {"enum": ["fast", "slow"], "type": "string"},
    "Shape": {
      "oneOf": [
        {"properties": {"type": {"enum": ["circle"], "type": "string"}, "radius": {"type": "number"}}, "required": ["type", "radius"], "type": "object", "title": "Circle"},
        {"properties": {"type": {"enum": ["square"], "type": "string"}, "side": {"type": "number"}}, "required": ["type", "side"], "type": "object", "title": "Square"}
      ]
    },
    "Source": {
      "anyOf": [
        {"properties": {"url": {"type": "string"}}, "required": ["url"], "type": "object"},
        {"properties": {"fileId": {"type": "string"}}, "required": ["fileId"], "type": "object"}
      ],
      "properties": {"detail": {"type": ["string", "null"]}},
      "type": "object"
    },
    "Body": {
      "anyOf": [
        {"type": "string"},
        {"items": {"$ref": "#/definitions/Mode"}, "type": "array"}
      ]
    }
  }
}`

const testServerIndex = `{"oneOf": [{"properties": {"method": {"enum": ["demo/%s"], "type": "string"}, "params": {"$ref": "#/definitions/Empty"}}, "required": ["method", "params"], "type": "object"}], "definitions": {"Empty": {"type": "object"}}}`

func testSchema(t *testing.T) *Schema {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		clientRequestFile:         testClientRequests,
		serverNotificationFile:    strings.Replace(testServerIndex, "%s", "happened", 1),
		serverRequestFile:         strings.Replace(testServerIndex, "%s", "ask", 1),
		"v2/DemoRunResponse.json": `{"properties": {"ok": {"type": "boolean"}}, "required": ["ok"], "title": "DemoRunResponse", "type": "object"}`,
		"DemoStopResponse.json":   `{"title": "DemoStopResponse", "type": "object"}`,
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(t.TempDir()); err == nil {
		t.Error("Load of an empty directory: want an error")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, clientRequestFile), []byte(`{"oneOf": [{}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "no single method name") {
		t.Errorf("Load with an entry without a method: %v", err)
	}
}

func TestSmallSchemaEndpoints(t *testing.T) {
	s := testSchema(t)
	if got := s.Methods(); !slices.Equal(got, []string{"demo/run", "demo/stop"}) {
		t.Errorf("Methods: %v", got)
	}
	if got := s.Notifications(); !slices.Equal(got, []string{"demo/happened"}) {
		t.Errorf("Notifications: %v", got)
	}
	if got := s.ServerRequests(); !slices.Equal(got, []string{"demo/ask"}) {
		t.Errorf("ServerRequests: %v", got)
	}
	run, err := s.Request("demo/run")
	if err != nil {
		t.Fatal(err)
	}
	if run.Result.Name() != "DemoRunResponse" || !run.ParamsRequired {
		t.Errorf("demo/run: result %q, params required %v", run.Result.Name(), run.ParamsRequired)
	}
	if err := run.ValidateParams(nil); err == nil {
		t.Error("demo/run without params: want an error")
	}
	if err := run.ValidateResult([]byte(`{"ok": true}`)); err != nil {
		t.Error(err)
	}
	stop, err := s.Request("demo/stop")
	if err != nil {
		t.Fatal(err)
	}
	if stop.ParamsRequired || stop.Result.Name() != "DemoStopResponse" {
		t.Errorf("demo/stop: result %q, params required %v", stop.Result.Name(), stop.ParamsRequired)
	}
	for _, p := range []string{"", "null", `{"force": true}`} {
		if err := stop.ValidateParams([]byte(p)); err != nil {
			t.Errorf("demo/stop params %q: %v", p, err)
		}
	}
	ask, err := s.ServerRequest("demo/ask")
	if err != nil {
		t.Fatal(err)
	}
	if ask.Result != nil {
		t.Errorf("demo/ask: result %q, want none", ask.Result.Name())
	}
	if err := ask.ValidateResult([]byte(`{}`)); err == nil {
		t.Error("demo/ask result without a result type: want an error")
	}

	sh, err := s.Shape("DemoRunParams")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sh.Required, []string{"name"}) || len(sh.Properties) != 12 || sh.AdditionalProperties {
		t.Errorf("DemoRunParams: %+v", sh)
	}
	stopParams := stop.Params.Shape()
	if stopParams.Name != "DemoStopParams" || !stopParams.Nullable || stopParams.AdditionalProperties {
		t.Errorf("demo/stop params: %+v", stopParams)
	}
	free, _ := run.Params.Property("free")
	labels, _ := run.Params.Property("labels")
	if !free.Shape().AdditionalProperties || !labels.Shape().AdditionalProperties {
		t.Error("free and labels should accept any property")
	}
	mode, _ := run.Params.Property("mode")
	if got := mode.Shape(); got.Name != "Mode" || !slices.Equal(got.Enum, []string{"fast", "slow"}) {
		t.Errorf("mode: %+v", got)
	}
	shape, _ := run.Params.Property("shape")
	if got := shape.Shape(); got.Tag != "type" || !slices.Equal(got.TagValues, []string{"circle", "square"}) {
		t.Errorf("shape: %+v", got)
	}
	if sq, ok := shape.Variant("square"); !ok || sq.Name() != "Square" {
		t.Error("shape: no square variant")
	}
	if _, ok := shape.Variant("triangle"); ok {
		t.Error("shape: a triangle variant")
	}
	source, _ := run.Params.Property("source")
	if got := source.Shape(); got.Tag != "" || len(got.Variants) != 2 || !slices.Equal(got.Properties, []string{"detail"}) {
		t.Errorf("source: %+v", got)
	}
}

func TestValidateRules(t *testing.T) {
	s := testSchema(t)
	run, err := s.Request("demo/run")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		params string
		want   []string // "path: message" prefixes, in order; none: valid
		opts   []Option
	}{
		{params: `{"name": "a"}`},
		{params: `{"name": "a", "mode": "fast", "count": null, "version": 1.0}`},
		{params: `{"name": "a", "count": 0}`},
		{params: `{"name": "a", "count": 255, "labels": {"x": "y"}, "extra": {"a": "b", "c": 1}, "free": {"any": [1]}}`},
		{params: `{"name": "a", "shape": {"type": "circle", "radius": 2}}`},
		{params: `{"name": "a", "source": {"url": "u", "detail": null}}`},
		{params: `{"name": "a", "body": "text"}`},
		{params: `{"name": "a", "body": ["fast", "slow"]}`},
		{params: `{"name": "a", "typo": 1}`, opts: []Option{AllowUnknownProperties()}},

		{params: `[]`, want: []string{"$: got an array, want object"}},
		{params: `{}`, want: []string{`$: missing required property "name"`}},
		{params: `{"name": ""}`, want: []string{"$.name: string shorter than 1 characters"}},
		{params: `{"name": "a", "typo": 1}`, want: []string{`$.typo: unknown property "typo"`}},
		{params: `{"name": "a", "mode": "medium"}`, want: []string{`$.mode: "medium" is not one of ["fast", "slow"]`}},
		{params: `{"name": "a", "count": 256}`, want: []string{"$.count: 256 does not fit format uint8"}},
		{params: `{"name": "a", "count": -1}`, want: []string{"$.count: -1 is less than the minimum 0", "$.count: -1 does not fit format uint8"}},
		{params: `{"name": "a", "labels": {"x": 1}}`, want: []string{"$.labels.x: got 1, want string"}},
		{params: `{"name": "a", "closed": {"b": "c"}}`, want: []string{`$.closed.b: unknown property "b"`}},
		{params: `{"name": "a", "closed": {"b": "c"}}`, opts: []Option{AllowUnknownProperties()}, want: []string{`$.closed.b: unknown property "b"`}},
		{params: `{"name": "a", "never": 1}`, want: []string{"$.never: no value is allowed here"}},
		{params: `{"name": "a", "version": 2}`, want: []string{"$.version: 2 is not one of [1]"}},
		{params: `{"name": "a", "shape": {"radius": 2}}`, want: []string{`$.shape: missing tag property "type"`}},
		{params: `{"name": "a", "shape": {"type": 3}}`, want: []string{"$.shape.type: 3 is not one of circle, square"}},
		{params: `{"name": "a", "shape": {"type": "square", "radius": 2}}`, want: []string{`$.shape: missing required property "side"`, `$.shape.radius: unknown property "radius"`}},
		{params: `{"name": "a", "shape": null}`, want: []string{"$.shape: matches none of the 2 alternatives", "$.shape: got null, want object"}},
		{params: `{"name": "a", "source": {"detail": "d"}}`, want: []string{"$.source: matches none of the 2 alternatives", `$.source: missing required property "url"`}},
		{params: `{"name": "a", "source": {"url": "u", "fileId": "f"}}`, want: []string{"$.source: matches none of the 2 alternatives", `$.source.fileId: unknown property "fileId"`}},
		{params: `{"name": "a", "body": ["fast", "medium"]}`, want: []string{"$.body: matches none of the 2 alternatives", `$.body[1]: "medium" is not one of ["fast", "slow"]`}},
		{params: `{"name": "a", "body": 1}`, want: []string{"$.body: matches none of the 2 alternatives", "$.body: got 1, want string"}},
	} {
		err := run.ValidateParams([]byte(tc.params), tc.opts...)
		if len(tc.want) == 0 {
			if err != nil {
				t.Errorf("%s: %v", tc.params, err)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: got %v, want a *ValidationError", tc.params, err)
			continue
		}
		if ve.Definition != "DemoRunParams" {
			t.Errorf("%s: definition %q", tc.params, ve.Definition)
		}
		var got []string
		for _, p := range ve.Problems {
			got = append(got, p.String())
		}
		ok := len(got) == len(tc.want)
		for i := 0; ok && i < len(got); i++ {
			ok = strings.HasPrefix(got[i], tc.want[i])
		}
		if !ok {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.params, got, tc.want)
		}
	}

	for _, bad := range []string{``, `{`, `{} {}`} {
		err := run.ValidateParams([]byte(bad + " "))
		var ve *ValidationError
		if bad == "" {
			if err == nil {
				t.Error("empty params: want an error, params are required")
			}
			continue
		}
		if err == nil || errors.As(err, &ve) {
			t.Errorf("%q: got %v, want a decoding error", bad, err)
		}
	}
}
