import { useTranslation } from 'react-i18next'
import { LANGUAGES, currentLanguage, setLanguage, type Language } from '../i18n'

export function LanguageSwitch() {
  // useTranslation re-renders on language change, so the select follows i18n.language.
  const { t } = useTranslation()
  const value = currentLanguage()
  return (
    <label className="lang-switch">
      <span className="visually-hidden">{t('header.language')}</span>
      <select
        data-testid="lang-switch"
        value={value}
        onChange={(e) => setLanguage(e.target.value as Language)}
        aria-label={t('header.language')}
      >
        {LANGUAGES.map((lng) => (
          <option key={lng} value={lng} lang={lng}>
            {t(`languages.${lng}`)}
          </option>
        ))}
      </select>
    </label>
  )
}
