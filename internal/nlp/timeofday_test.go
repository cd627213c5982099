package nlp

import "testing"

func TestTimeOfDay(t *testing.T) {
	t.Parallel()
	checkExtract(t, "time", []extractCase{
		{"14:30", "", "14:30"},
		{"9:05", "", "09:05"},
		{"14:30:15", "", "14:30"},
		{"2pm", "", "14:00"},
		{"2 PM", "", "14:00"},
		{"2:30 pm", "", "14:30"},
		{"11 a.m.", "", "11:00"},
		{"12am", "", "00:00"},
		{"12 pm", "", "12:00"},
		{"noon", "", "12:00"},
		{"Midnight", "", "00:00"},
		{"at 7pm tonight", "7pm", "19:00"},
		{"0:00", "", "00:00"},
	}, []string{
		"at 5",
		"25:00",
		"13pm",
		"0am",
		"14:60",
		"2 amazing",
		"12:345",
		"1430",
		"noonish",
	})
}
