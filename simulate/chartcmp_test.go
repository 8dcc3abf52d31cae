package simulate_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// chartLevels is how far, in 8-bit levels of any channel, a pixel of a
// rendered chart may differ from the committed image. The rasterizer
// anti-aliases in floating point, and where the compiler fuses
// multiply-adds (arm64; amd64 with GOAMD64=v3) a few edge pixels come out
// one level apart from an amd64 rendering. A real change to a chart (a
// line, a label's digit, a colour) moves pixels by far more.
const chartLevels = 8

// diffPNG compares two PNG images: the same size, and every pixel's
// channels within chartLevels. It describes the first difference, or
// returns "" when the images match.
func diffPNG(got, want []byte) (string, error) {
	g, err := png.Decode(bytes.NewReader(got))
	if err != nil {
		return "", fmt.Errorf("rendered chart: %w", err)
	}
	w, err := png.Decode(bytes.NewReader(want))
	if err != nil {
		return "", fmt.Errorf("committed chart: %w", err)
	}
	if g.Bounds() != w.Bounds() {
		return fmt.Sprintf("the rendered chart is %v, the committed one %v", g.Bounds().Size(), w.Bounds().Size()), nil
	}
	var n, worst int
	var first image.Point
	r := w.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			d := channelDiff(g.At(x, y), w.At(x, y))
			if d > chartLevels {
				if n == 0 {
					first = image.Pt(x, y)
				}
				n++
			}
			worst = max(worst, d)
		}
	}
	if n == 0 {
		return "", nil
	}
	return fmt.Sprintf("%d pixels differ by more than %d levels (up to %d), the first at %v", n, chartLevels, worst, first), nil
}

// channelDiff is the largest difference between two colours' 8-bit
// channels (alpha included).
func channelDiff(a, b color.Color) int {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	d := 0
	for _, p := range [][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}, {a1, a2}} {
		d = max(d, abs(int(p[0]>>8)-int(p[1]>>8)))
	}
	return d
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestDiffPNG(t *testing.T) {
	encode := func(img image.Image) []byte {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	chart := func(edit func(*image.RGBA)) []byte {
		img := image.NewRGBA(image.Rect(0, 0, 40, 30))
		for y := range 30 {
			for x := range 40 {
				img.Set(x, y, color.RGBA{uint8(6 * x), uint8(8 * y), 200, 255})
			}
		}
		if edit != nil {
			edit(img)
		}
		return encode(img)
	}
	base := chart(nil)
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"identical", base, ""},
		{"rounding noise", chart(func(img *image.RGBA) {
			img.Set(3, 4, color.RGBA{6*3 + 1, 8 * 4, 200, 255})
			img.Set(20, 10, color.RGBA{6 * 20, 8*10 - chartLevels, 200, 255})
		}), ""},
		{"one pixel moved", chart(func(img *image.RGBA) {
			img.Set(7, 9, color.RGBA{6 * 7, 8 * 9, 200 - chartLevels - 1, 255})
		}), "1 pixels differ by more than 8 levels (up to 9), the first at (7,9)"},
		{"a line drawn", chart(func(img *image.RGBA) {
			for x := 5; x < 15; x++ {
				img.Set(x, 20, color.Black)
			}
		}), "10 pixels differ by more than 8 levels (up to 200), the first at (5,20)"},
		{"transparent", chart(func(img *image.RGBA) {
			img.Set(0, 0, color.RGBA{})
		}), "1 pixels differ by more than 8 levels (up to 255), the first at (0,0)"},
		{"other size", encode(image.NewRGBA(image.Rect(0, 0, 40, 31))), "the rendered chart is (40,31), the committed one (40,30)"},
	} {
		got, err := diffPNG(c.got, base)
		if err != nil || got != c.want {
			t.Errorf("%s: diffPNG = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	if _, err := diffPNG([]byte("not a png"), base); err == nil {
		t.Error("diffPNG accepted a file that is not a PNG")
	}
}
