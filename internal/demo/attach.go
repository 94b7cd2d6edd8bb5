package demo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"time"
)

// attachments returns the attached files for kind. Big files are 100–500
// KB; one in six of the mails that could carry one does.
func (g *gen) attachments(e hdrEnc, rfc2231 bool, kind attachKind, ja bool, t time.Time) []entity {
	if (kind == attachBigPDF || kind == attachBigPNG) && !g.chance(16) {
		kind-- // attachBigPDF-1 == attachPDF, attachBigPNG-1 == attachPNG
	}
	stamp := t.Format("20060102")
	switch kind {
	case attachPDF, attachBigPDF:
		size := 8<<10 + g.r.IntN(32<<10)
		if kind == attachBigPDF {
			size = 100<<10 + g.r.IntN(400<<10)
		}
		name := pick(g, []string{"見積書_" + stamp + ".pdf", "請求書_" + t.Format("200601") + ".pdf", "資料_" + stamp + ".pdf", "議事録_" + stamp + ".pdf", "校正.pdf"})
		if !ja {
			name = pick(g, []string{"quote-" + stamp + ".pdf", "invoice-" + t.Format("200601") + ".pdf", "brief.pdf", "minutes " + stamp + ".pdf", "proofs.pdf"})
		}
		return []entity{attachEntity(e, rfc2231, "application/pdf", name, g.pdf(size))}
	default:
		n := 1 + g.r.IntN(2)
		side := 48 + g.r.IntN(64)
		if kind == attachBigPNG {
			n = 1
			side = 190 + g.r.IntN(210) // 3 bytes a pixel: 108–480 KB
		}
		var out []entity
		for i := range n {
			name := fmt.Sprintf("デザイン案_%d.png", i+1)
			if !ja {
				name = fmt.Sprintf("IMG_%04d.png", g.r.IntN(10000))
			}
			out = append(out, attachEntity(e, rfc2231, "image/png", name, g.png(side, side)))
		}
		return out
	}
}

// noise returns n pseudo-random bytes.
func (g *gen) noise(n int) []byte {
	b := make([]byte, (n+7)&^7)
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], g.r.Uint64())
	}
	return b[:n]
}

// pdf returns a PDF-like file of about size bytes: a real PDF header and
// trailer around a stream of noise. Viewers will not open it.
func (g *gen) pdf(size int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	b.WriteString("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n")
	b.WriteString("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n")
	n := max(size-b.Len()-120, 16)
	fmt.Fprintf(&b, "4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", n)
	b.Write(g.noise(n))
	b.WriteString("\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	return b.Bytes()
}

// png returns a real w×h PNG image of coloured noise over a gradient.
func (g *gen) png(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	noise := g.noise(len(img.Pix))
	for y := range h {
		for x := range w {
			i := img.PixOffset(x, y)
			img.Pix[i+0] = byte(x*255/w) ^ noise[i]&0x3f
			img.Pix[i+1] = byte(y*255/h) ^ noise[i+1]&0x3f
			img.Pix[i+2] = 0x90 ^ noise[i+2]
			img.Pix[i+3] = 0xff
		}
	}
	var b bytes.Buffer
	// Stored, not compressed: fast, and a file of about 3 bytes a pixel.
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&b, img); err != nil {
		panic("demo: png: " + err.Error())
	}
	return b.Bytes()
}
