import { hasRole } from '../../../modules'
import { idParam } from '../../../router'
import { DEVICE_KEEPERS, type SectionProps } from '../section'
import { DeviceDetail } from './DeviceDetail'
import { DeviceList } from './DeviceList'
import { ImportPage } from './ImportPage'
import { RegisterForm } from './RegisterForm'
import './registry.css'

export { DevicePanel } from './DevicePanel'

/** The registry below #/devices/registry: the map and list, `new` (register), `import`, and one device by id. */
export function RegistrySection({ params, user, config }: SectionProps) {
  if (params[0] === 'new' && hasRole(user, DEVICE_KEEPERS)) return <RegisterForm user={user} config={config} />
  if (params[0] === 'import' && hasRole(user, ['admin', 'staff'])) return <ImportPage />
  const deviceId = idParam(params)
  if (deviceId) return <DeviceDetail key={deviceId} id={deviceId} config={config} />
  return <DeviceList user={user} config={config} />
}
