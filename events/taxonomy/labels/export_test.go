package labels

// Own reports whether s has words of its own for id (no fallback), and
// Known lists every id with words, for the tests.
func Own(s *Set, id string) (string, bool) { n, ok := s.names[id]; return n, ok }

func Known() []string {
	var ids []string
	for _, w := range keyWords {
		ids = append(ids, w.id)
	}
	for _, w := range enumWords {
		ids = append(ids, w.id)
	}
	return ids
}

func Described() []string {
	var ids []string
	for _, w := range keyDescriptions {
		ids = append(ids, w.id)
	}
	return ids
}
