package nlp

import "testing"

const benchIn = "Hi, can I get 2 extra large pepperoni pizzas delivered tomorrow at 7pm?"

func BenchmarkZTokenize(b *testing.B) {
	var buf [32]token
	for b.Loop() {
		tokenize(buf[:0], benchIn)
	}
}
func BenchmarkZScan(b *testing.B) {
	var buf [16]match
	for b.Loop() {
		scanSystem(buf[:0], benchIn, testNow, kindNone)
	}
}
func BenchmarkZLoop(b *testing.B) {
	n := 0
	for b.Loop() {
		for i := 0; i < len(benchIn); i++ {
			if isAlnum(rune(benchIn[i])) {
				n++
			}
		}
	}
	_ = n
}
