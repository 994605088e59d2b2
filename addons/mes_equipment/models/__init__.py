from ..lib import equipment_events  # noqa: F401 (registers equipment's event types)
from . import res_company
from . import mes_equipment_class
from . import mes_equipment_qualification
from . import mes_equipment_calibration
from . import maintenance_equipment
from . import maintenance_request
from . import mes_equipment_state_period
from . import mes_step_execution
from . import mrp_workorder
from . import mes_opcua_server
from . import mes_opcua_tag
from . import mes_process_value
from . import mes_opcua_event
from . import mes_oee_report
from . import mrp_workcenter
from . import mes_exception
from . import mes_integration_catalogue
