package console

import "net/http"

// crossOrigin is the console's guard against cross-site form posts
// (CSRF): net/http's CrossOriginProtection, which refuses a state-changing
// request whose Sec-Fetch-Site is neither "same-origin" nor "none", or,
// without that header, whose Origin is not this host. (Under the referrer
// policy "no-referrer" a browser sends "Origin: null", hence the policy
// "same-origin".)
var crossOrigin = http.NewCrossOriginProtection()

// fromConsole tells whether r may change something: a safe method, or a
// form post that crossOrigin lets through and that carries Sec-Fetch-Site
// or Origin. CrossOriginProtection lets a post with neither header through
// (a client that is not a browser sends none); the console refuses it, as
// every browser it serves sends Sec-Fetch-Site with every request and
// Origin with every post.
func fromConsole(r *http.Request) bool {
	if crossOrigin.Check(r) != nil {
		return false
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return r.Header.Get("Sec-Fetch-Site") != "" || r.Header.Get("Origin") != ""
}
