package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/docketledger/docket/services/internal/auth"
)

// signinData is the sign-in page's data.
type signinData struct {
	Next string
}

// signinPage shows the sign-in form.
func (cs *Console) signinPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	cs.render(w, http.StatusOK, "signin", view{Title: "Sign in", Data: signinData{Next: safeNext(r.FormValue("next"))}})
}

// signin checks the token and starts a session: the token is kept in an
// HttpOnly, SameSite=Strict cookie that lasts SessionTTL at most.
func (cs *Console) signin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	next := safeNext(r.FormValue("next"))
	again := func(status int, msg string) {
		cs.render(w, status, "signin", view{Title: "Sign in", Message: msg, Data: signinData{Next: next}})
	}
	if !fromConsole(r) {
		again(http.StatusForbidden, "The form did not come from this console.")
		return
	}
	secret := strings.TrimSpace(r.PostFormValue("token"))
	if secret == "" {
		again(http.StatusBadRequest, "token: is required")
		return
	}
	now := cs.c.Now()
	t, err := cs.c.Tokens.Authenticate(secret, now)
	if err != nil {
		// The same words for every refusal, as the API says them.
		again(http.StatusUnauthorized, "token: not accepted (unknown, expired, revoked or mistyped)")
		return
	}
	if !servesRoles(t) {
		again(http.StatusForbidden, "token: holds none of the roles the console serves (auditor, legal, dpo)")
		return
	}
	expires := now.Add(SessionTTL)
	if t.ExpiresAt.Before(expires) {
		expires = t.ExpiresAt
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: secret, Path: "/", Expires: expires, MaxAge: int(expires.Sub(now) / time.Second),
		HttpOnly: true, Secure: cs.c.Secure, SameSite: http.SameSiteStrictMode,
	})
	cs.c.Log.Info("console sign-in", "token_id", t.ID, "token_name", t.Name)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signout ends the session.
func (cs *Console) signout(w http.ResponseWriter, r *http.Request) {
	if !fromConsole(r) {
		cs.fail(w, r, nil, &pageError{Status: http.StatusForbidden, Message: "The form did not come from this console."})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: cs.c.Secure, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// safeNext keeps a redirect after sign-in on this console: a path, not a
// URL of another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.HasPrefix(next, "/signin") {
		return "/"
	}
	return next
}

// whoLabel says who is signed in, for the header.
func whoLabel(t *auth.Token) string {
	roles := make([]string, len(t.Roles))
	for i, r := range t.Roles {
		roles[i] = string(r)
	}
	return t.Name + " (" + strings.Join(roles, ", ") + " on " + t.Tenant + ")"
}
