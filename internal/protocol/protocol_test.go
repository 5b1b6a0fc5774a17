package protocol

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"math/rand"
	"reflect"
	"testing"
	"time"
)

var seed = flag.Int64("seed", 0, "random seed for round-trip tests (0 = time-based)")

// fill sets every field of v (a pointer) to random data, recursively.
func fill(r *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fill(r, v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			// JSON keeps nanoseconds and the zone offset; use UTC.
			v.Set(reflect.ValueOf(time.Unix(r.Int63n(1<<33), r.Int63n(1e9)).UTC()))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			fill(r, v.Field(i))
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // json.RawMessage
			v.SetBytes([]byte(`{"x":1}`))
			return
		}
		n := 1 + r.Intn(4)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			fill(r, s.Index(i))
		}
		v.Set(s)
	case reflect.String:
		const chars = "abcXYZ019 _-./:\"\\\n\té"
		b := make([]rune, r.Intn(12))
		rs := []rune(chars)
		for i := range b {
			b[i] = rs[r.Intn(len(rs))]
		}
		v.SetString(string(b))
	case reflect.Bool:
		v.SetBool(r.Intn(2) == 1)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(r.Int63n(1<<31) - 1<<30)
	case reflect.Uint32, reflect.Uint16, reflect.Uint64:
		v.SetUint(uint64(r.Uint32()))
	case reflect.Float64:
		v.SetFloat(float64(r.Intn(100000)) / 8)
	}
}

func testRand(t *testing.T) *rand.Rand {
	s := *seed
	if s == 0 {
		s = time.Now().UnixNano()
	}
	t.Logf("seed %d (rerun with -seed=%d)", s, s)
	return rand.New(rand.NewSource(s))
}

// roundTrip sends v through a whole frame on a stream and back.
func roundTrip(t *testing.T, kind Kind, op Op, v any, newV func() any) any {
	t.Helper()
	body, err := MarshalBody(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	h := Header{Kind: kind, Op: op, ReqID: 7, SrcPNN: 1, DstPNN: PNNCurrent, Generation: 99, Flags: 3}
	var buf bytes.Buffer
	if err := WriteFrame(&buf, h, body); err != nil {
		t.Fatalf("write: %v", err)
	}
	f, err := ReadFrame(&buf, 0)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if f.Op != op || f.Kind != kind || f.ReqID != 7 || f.SrcPNN != 1 || f.DstPNN != PNNCurrent || f.Generation != 99 || f.Flags != 3 {
		t.Fatalf("header changed: %+v", f.Header)
	}
	out := newV()
	if err := UnmarshalBody(f.Body, out); err != nil {
		t.Fatalf("unmarshal %T: %v", out, err)
	}
	return out
}

func TestRoundTripEveryMessage(t *testing.T) {
	r := testRand(t)
	for op, info := range Ops {
		t.Run(info.Name, func(t *testing.T) {
			for i := 0; i < 20; i++ {
				req := info.NewRequest()
				fill(r, reflect.ValueOf(req))
				if got := roundTrip(t, KindRequest, op, req, info.NewRequest); !reflect.DeepEqual(got, req) {
					t.Fatalf("request differs:\n got %#v\nwant %#v", got, req)
				}
				rep := info.NewReply()
				fill(r, reflect.ValueOf(rep))
				data, _ := MarshalBody(rep)
				env := Reply{Status: StatusOK, Data: data}
				gotEnv := roundTrip(t, KindReply, op, &env, func() any { return new(Reply) }).(*Reply)
				st, v, err := DecodeReply(op, mustMarshal(t, gotEnv))
				if err != nil || st.Status != StatusOK {
					t.Fatalf("decode reply: %v %+v", err, st)
				}
				if !reflect.DeepEqual(v, rep) {
					t.Fatalf("reply differs:\n got %#v\nwant %#v", v, rep)
				}
			}
		})
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	b, err := MarshalBody(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestErrorReplyKeepsMessage(t *testing.T) {
	b := mustMarshal(t, Reply{Status: StatusNotFound, Error: "unknown tunable Foo"})
	r, v, err := DecodeReply(OpGetTunable, b)
	if err != nil || v != nil || r.Status != StatusNotFound || r.Error != "unknown tunable Foo" {
		t.Fatalf("got %+v %v %v", r, v, err)
	}
}

func header(length uint32, magic uint32, version uint16, kind Kind) []byte {
	b := make([]byte, HeaderSize)
	MarshalHeader(b, Header{Length: length, Magic: magic, Version: version, Kind: kind})
	return b
}

func TestBadHeaders(t *testing.T) {
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"magic", header(HeaderSize, 0x11223344, Version, KindRequest), ErrMagic},
		{"version", header(HeaderSize, Magic, Version+1, KindRequest), ErrVersion},
		{"short length", header(HeaderSize-1, Magic, Version, KindRequest), ErrTooShort},
		{"too large", header(MaxFrameSize+1, Magic, Version, KindRequest), ErrTooLarge},
		{"huge", header(0xFFFFFFFF, Magic, Version, KindRequest), ErrTooLarge},
		{"kind 0", header(HeaderSize, Magic, Version, 0), ErrKind},
		{"kind 9", header(HeaderSize, Magic, Version, 9), ErrKind},
		{"truncated header", header(HeaderSize, Magic, Version, KindRequest)[:10], ErrTruncated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Decode(c.b, 0); !errors.Is(err, c.want) {
				t.Fatalf("Decode: got %v, want %v", err, c.want)
			}
		})
	}
}

// A header announcing a big frame must be refused before anything of that
// size is allocated or read.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestOversizeFrameRefusedBeforeBody(t *testing.T) {
	b := header(64<<20, Magic, Version, KindRequest)
	cr := &countingReader{r: io.MultiReader(bytes.NewReader(b), bytes.NewReader(make([]byte, 1<<20)))}
	_, err := ReadFrame(cr, 1024)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
	if cr.n != HeaderSize {
		t.Fatalf("read %d bytes, want only the header", cr.n)
	}
	if _, err := Encode(Header{}, make([]byte, MaxFrameSize)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Encode of oversize body: %v", err)
	}
}

func TestTruncatedBody(t *testing.T) {
	b, _ := Encode(Header{Kind: KindRequest, Op: OpPing}, []byte(`{}`))
	_, err := ReadFrame(bytes.NewReader(b[:len(b)-1]), 0)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("got %v", err)
	}
	if _, err := Decode(b[:len(b)-1], 0); !errors.Is(err, ErrTruncated) {
		t.Fatalf("Decode: %v", err)
	}
}

func TestStrictBodies(t *testing.T) {
	for _, body := range []string{`{"name":"x","bogus":1}`, `{"name":1}`, `{"name":"x"} {}`, `[`, `null x`} {
		if _, err := DecodeRequest(OpGetTunable, []byte(body)); err == nil {
			t.Errorf("body %q accepted", body)
		}
	}
	if _, err := DecodeRequest(Op(999), nil); err == nil {
		t.Error("unknown op accepted")
	}
	v, err := DecodeRequest(OpPing, nil)
	if err != nil || v.(*Empty) == nil {
		t.Fatalf("empty body: %v", err)
	}
}

func TestHeaderLayoutIsBigEndian(t *testing.T) {
	b, _ := Encode(Header{Kind: KindReply, Op: OpGetStatus, ReqID: 0x01020304}, nil)
	if got := binary.BigEndian.Uint32(b[16:]); got != 0x01020304 {
		t.Fatalf("reqid at offset 16: %#x", got)
	}
	if got := binary.BigEndian.Uint32(b[4:]); got != Magic {
		t.Fatalf("magic at offset 4: %#x", got)
	}
}

// FuzzDecode feeds arbitrary bytes to the frame and body decoders: they must
// never panic, and a frame that decodes must re-encode to the same bytes.
func FuzzDecode(f *testing.F) {
	for op, info := range Ops {
		body, _ := MarshalBody(info.NewReply())
		b, _ := Encode(Header{Kind: KindReply, Op: op}, mustMarshalF(Reply{Data: body}))
		f.Add(b)
		b, _ = Encode(Header{Kind: KindRequest, Op: op}, mustMarshalF(info.NewRequest()))
		f.Add(b)
	}
	f.Add(header(0xFFFFFFFF, Magic, Version, KindRequest))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := Decode(b, 1<<16)
		if err != nil {
			return
		}
		re, err := Encode(fr.Header, fr.Body)
		if err != nil || !bytes.Equal(re, b) {
			t.Fatalf("re-encode differs: %v", err)
		}
		if _, err := ReadFrame(bytes.NewReader(b), 1<<16); err != nil {
			t.Fatalf("ReadFrame disagrees with Decode: %v", err)
		}
		switch fr.Kind {
		case KindRequest:
			_, _ = DecodeRequest(fr.Op, fr.Body)
		case KindReply:
			_, _, _ = DecodeReply(fr.Op, fr.Body)
		}
	})
}

func mustMarshalF(v any) []byte {
	b, err := MarshalBody(v)
	if err != nil {
		panic(err)
	}
	return b
}
